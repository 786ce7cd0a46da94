// http_server: the command line of HttpServer. A bad flag ends the process with one line on
// stderr and exit status 2; a failure to start, with one line and exit status 1.

#include <gflags/gflags.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"
#include "apps/common/server_flags.h"
#include "apps/http_server/http_server.h"
#include "reactor/net/inet_address.h"

DEFINE_string(host, "127.0.0.1", "numeric IPv4 or IPv6 address to listen on (e.g. ::1)");
DEFINE_int32(port, 8080, "TCP port to listen on; 0 picks a free port");
DEFINE_int32(threads, 1, "reactor threads, each with its own listener on the port");
DEFINE_string(poller, "epoll", "readiness backend: epoll or poll");
DEFINE_string(root, "", "directory to serve files from (GET/HEAD of other paths); empty: none");
DEFINE_int64(max_connections, 0,
             "connections served at once; past it new ones are closed; 0: no limit");
DEFINE_int64(idle_timeout_ms, 60000, "close a keep-alive connection idle this long; 0: never");
DEFINE_int64(request_timeout_ms, 10000,
             "time to receive a whole request head from its first byte (else 408); 0: no limit");
DEFINE_int64(max_header_bytes, 8192, "largest request line and headers (else 431)");
DEFINE_int64(max_body_bytes, 1048576, "largest request body (else 413)");

namespace {

// A head or body limit past these would let one request hold gigabytes.
constexpr std::int64_t kMaxHeaderLimit = 1 << 20;
constexpr std::int64_t kMaxBodyLimit = std::int64_t{1} << 30;
constexpr std::int64_t kMinHeaderLimit = 64;

// --<name>: a byte limit in min..max.
std::size_t limit_from_flag(const char* name, std::int64_t value, std::int64_t min,
                            std::int64_t max) {
  if (value < min || value > max) {
    app::exit_with_usage_error(std::string("--") + name + " must be in " + std::to_string(min) +
                               ".." + std::to_string(max) + " (got " + std::to_string(value) + ")");
  }
  return static_cast<std::size_t>(value);
}

// The flags as a Config; exits with a usage error naming the first bad one.
http::HttpServer::Config config_from_flags() {
  const reactor::InetAddress address = app::address_from_flags(FLAGS_host, FLAGS_port);
  http::HttpServer::Config config;
  config.host = FLAGS_host;
  config.port = address.port();
  config.threads = app::threads_from_flag(FLAGS_threads);
  config.poller = app::poller_from_flag(FLAGS_poller);
  struct stat root {};
  if (!FLAGS_root.empty() && (stat(FLAGS_root.c_str(), &root) != 0 || !S_ISDIR(root.st_mode))) {
    app::exit_with_usage_error("--root must be a directory (got " + FLAGS_root + ")");
  }
  config.root = FLAGS_root;
  config.max_connections = app::count_from_flag("max_connections", FLAGS_max_connections);
  config.idle_timeout = app::milliseconds_from_flag("idle_timeout_ms", FLAGS_idle_timeout_ms);
  config.request_timeout =
      app::milliseconds_from_flag("request_timeout_ms", FLAGS_request_timeout_ms);
  config.limits.max_header_bytes =
      limit_from_flag("max_header_bytes", FLAGS_max_header_bytes, kMinHeaderLimit, kMaxHeaderLimit);
  config.limits.max_body_bytes =
      limit_from_flag("max_body_bytes", FLAGS_max_body_bytes, 0, kMaxBodyLimit);
  config.handle_signals = true;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(argc, argv,
                                  "HTTP/1.1 server on the reactor library.\n"
                                  "Usage: http_server [--host=127.0.0.1] [--port=8080] ...");
  const http::HttpServer::Config config = config_from_flags();
  app::raise_open_file_limit();
  try {
    http::HttpServer server(config);
    std::cout << "Listening on " << server.address().to_string() << std::endl;
    server.run();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "http_server: %s\n", error.what());
    return 1;
  }
  return 0;
}
