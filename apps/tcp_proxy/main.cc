// tcp_proxy: the command line of TcpProxy. A bad flag ends the process with one line on stderr
// and exit status 2; a failure to start, with one line and exit status 1.

#include <gflags/gflags.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"
#include "apps/common/server_flags.h"
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

std::vector<reactor::InetAddress> checked_upstreams(const std::string& list) {
  if (list.empty()) app::exit_with_usage_error("--upstream is required: HOST:PORT[,HOST:PORT...]");
  std::optional<std::vector<reactor::InetAddress>> upstreams = proxy::parse_upstreams(list);
  if (!upstreams) {
    app::exit_with_usage_error(
        "--upstream must be HOST:PORT[,HOST:PORT...] with numeric hosts, IPv6 as [::1]:PORT, "
        "ports 1..65535 (got " +
        list + ")");
  }
  return std::move(*upstreams);
}

// The flags as a Config; exits with a usage error naming the first bad one.
proxy::TcpProxy::Config config_from_flags() {
  proxy::TcpProxy::Config config;
  config.host = FLAGS_host;
  config.port = app::address_from_flags(FLAGS_host, FLAGS_port).port();
  config.upstreams = checked_upstreams(FLAGS_upstream);
  config.threads = app::threads_from_flag(FLAGS_threads);
  config.poller = app::poller_from_flag(FLAGS_poller);
  config.max_connections = app::count_from_flag("max_connections", FLAGS_max_connections);
  config.connect_timeout =
      app::milliseconds_from_flag("connect_timeout_ms", FLAGS_connect_timeout_ms);
  config.idle_timeout = app::milliseconds_from_flag("idle_timeout_ms", FLAGS_idle_timeout_ms);
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
