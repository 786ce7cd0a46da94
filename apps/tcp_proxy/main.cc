// tcp_proxy: the command line of TcpProxy. A bad flag ends the process with one line on stderr
// and exit status 2; a failure to start, with one line and exit status 1.

#include <gflags/gflags.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"
#include "apps/tcp_proxy/tcp_proxy.h"
#include "apps/tcp_proxy/upstream_list.h"
#include "reactor/net/inet_address.h"

DEFINE_string(host, "127.0.0.1", "numeric IPv4 or IPv6 address to listen on (e.g. ::1)");
DEFINE_int32(port, 9000, "TCP port to listen on; 0 picks a free port");
DEFINE_string(upstream, "",
              "required: HOST:PORT[,HOST:PORT...] to relay to, round robin (IPv6 as [::1]:PORT)");
DEFINE_int32(threads, 1, "reactor threads, each with its own listener on the port");
DEFINE_string(poller, "epoll", "readiness backend: epoll or poll");
DEFINE_int64(max_connections, 0,
             "clients served at once; past it new ones are closed; 0: no limit");
DEFINE_int64(connect_timeout_ms, 2000,
             "give up an upstream connect after this long and try the next; 0: the kernel's limit");
DEFINE_int64(idle_timeout_ms, 0,
             "close both sides after no bytes either way for this long; 0: never");

namespace {

constexpr int kMaxThreads = 256;

using app::exit_with_usage_error;

template <typename Value>
std::string got(Value value) {
  return " (got " + std::to_string(value) + ")";
}

void require_non_negative(const char* flag, std::int64_t value) {
  if (value < 0) exit_with_usage_error(std::string("--") + flag + " must be >= 0" + got(value));
}

// The flags as a Config; exits with a usage error naming the first bad one.
proxy::TcpProxy::Config config_from_flags() {
  proxy::TcpProxy::Config config;
  if (!reactor::InetAddress::parse(FLAGS_host, 0)) {
    exit_with_usage_error("--host must be a numeric IPv4 or IPv6 address (got " + FLAGS_host + ")");
  }
  config.host = FLAGS_host;
  if (FLAGS_port < 0 || FLAGS_port > 65535) {
    exit_with_usage_error("--port must be in 0..65535" + got(FLAGS_port));
  }
  config.port = static_cast<std::uint16_t>(FLAGS_port);
  if (FLAGS_upstream.empty()) {
    exit_with_usage_error("--upstream is required: HOST:PORT[,HOST:PORT...]");
  }
  std::optional<std::vector<reactor::InetAddress>> upstreams =
      proxy::parse_upstreams(FLAGS_upstream);
  if (!upstreams) {
    exit_with_usage_error(
        "--upstream must be HOST:PORT[,HOST:PORT...] with numeric hosts, IPv6 as [::1]:PORT, "
        "ports 1..65535 (got " +
        FLAGS_upstream + ")");
  }
  config.upstreams = std::move(*upstreams);
  if (FLAGS_threads < 1 || FLAGS_threads > kMaxThreads) {
    exit_with_usage_error("--threads must be in 1.." + std::to_string(kMaxThreads) +
                          got(FLAGS_threads));
  }
  config.threads = static_cast<std::size_t>(FLAGS_threads);
  if (FLAGS_poller != "epoll" && FLAGS_poller != "poll") {
    exit_with_usage_error("--poller must be epoll or poll (got " + FLAGS_poller + ")");
  }
  config.poller = FLAGS_poller;
  require_non_negative("max_connections", FLAGS_max_connections);
  config.max_connections = static_cast<std::size_t>(FLAGS_max_connections);
  require_non_negative("connect_timeout_ms", FLAGS_connect_timeout_ms);
  config.connect_timeout = std::chrono::milliseconds(FLAGS_connect_timeout_ms);
  require_non_negative("idle_timeout_ms", FLAGS_idle_timeout_ms);
  config.idle_timeout = std::chrono::milliseconds(FLAGS_idle_timeout_ms);
  config.handle_signals = true;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(argc, argv,
                                  "TCP proxy on the reactor library: relays each client to an "
                                  "upstream, round robin.\n"
                                  "Usage: tcp_proxy --upstream=HOST:PORT[,...] [--port=9000] ...");
  const proxy::TcpProxy::Config config = config_from_flags();
  app::raise_open_file_limit();
  try {
    proxy::TcpProxy server(config);
    std::cout << "Listening on " << server.address().to_string() << std::endl;
    server.run();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tcp_proxy: %s\n", error.what());
    return 1;
  }
  return 0;
}
