// http_server: the command line of HttpServer. A bad flag ends the process with one line on
// stderr and exit status 2; a failure to start, with one line and exit status 1.

#include <gflags/gflags.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "apps/common/command_line.h"
#include "apps/common/serve_main.h"
#include "apps/common/server_flags.h"
#include "apps/http_server/http_server.h"

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

// A head or body limit past this would let one request hold gigabytes.
constexpr std::int64_t kMaxHeaderLimit = 1 << 20;
constexpr std::int64_t kMaxBodyLimit = std::int64_t{1} << 30;

using app::exit_with_usage_error;
using app::require_in_range;
using app::require_non_negative;

// The flags as a Config; exits with a usage error naming the first bad one.
http::HttpServer::Config config_from_flags() {
  http::HttpServer::Config config;
  app::apply_server_flags({FLAGS_host, FLAGS_port, FLAGS_threads, FLAGS_poller,
                           FLAGS_max_connections, FLAGS_idle_timeout_ms},
                          config);
  struct stat root {};
  if (!FLAGS_root.empty() && (stat(FLAGS_root.c_str(), &root) != 0 || !S_ISDIR(root.st_mode))) {
    exit_with_usage_error("--root must be a directory (got " + FLAGS_root + ")");
  }
  config.root = FLAGS_root;
  require_non_negative("request_timeout_ms", FLAGS_request_timeout_ms);
  config.request_timeout = std::chrono::milliseconds(FLAGS_request_timeout_ms);
  require_in_range("max_header_bytes", FLAGS_max_header_bytes, 64, kMaxHeaderLimit);
  config.limits.max_header_bytes = static_cast<std::size_t>(FLAGS_max_header_bytes);
  require_in_range("max_body_bytes", FLAGS_max_body_bytes, 0, kMaxBodyLimit);
  config.limits.max_body_bytes = static_cast<std::size_t>(FLAGS_max_body_bytes);
  config.handle_signals = true;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(argc, argv,
                                  "HTTP/1.1 server on the reactor library.\n"
                                  "Usage: http_server [--host=127.0.0.1] [--port=8080] ...");
  return app::serve_main<http::HttpServer>("http_server", config_from_flags());
}
