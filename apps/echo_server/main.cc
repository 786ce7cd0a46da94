// echo_server: the command line of EchoServer. A bad flag ends the process with one line on
// stderr and exit status 2; a failure to start, with one line and exit status 1.

#include <gflags/gflags.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"
#include "apps/common/server_flags.h"
#include "apps/echo_server/echo_server.h"
#include "reactor/net/inet_address.h"

DEFINE_string(host, "127.0.0.1", "numeric IPv4 or IPv6 address to listen on (e.g. ::1)");
DEFINE_int32(port, 8888, "TCP (and with --udp, UDP) port to listen on; 0 picks a free port");
DEFINE_int32(threads, 1, "reactor threads, each with its own listener on the port");
DEFINE_string(poller, "epoll", "readiness backend: epoll or poll");
DEFINE_int64(max_connections, 0,
             "connections served at once; past it new ones are closed; 0: no limit");
DEFINE_int64(idle_timeout_ms, 0, "close a connection that sent nothing for this long; 0: never");
DEFINE_int64(status_interval_ms, 0,
             "send 'Server status: N active connections' to every connection this often; 0: never");
DEFINE_bool(udp, false, "also echo UDP datagrams on the same host and port");

namespace {

// The flags as a Config; exits with a usage error naming the first bad one.
echo::EchoServer::Config config_from_flags() {
  const reactor::InetAddress address = app::address_from_flags(FLAGS_host, FLAGS_port);
  echo::EchoServer::Config config;
  config.host = FLAGS_host;
  config.port = address.port();
  config.threads = app::threads_from_flag(FLAGS_threads);
  config.poller = app::poller_from_flag(FLAGS_poller);
  config.max_connections = app::count_from_flag("max_connections", FLAGS_max_connections);
  config.idle_timeout = app::milliseconds_from_flag("idle_timeout_ms", FLAGS_idle_timeout_ms);
  config.status_interval =
      app::milliseconds_from_flag("status_interval_ms", FLAGS_status_interval_ms);
  config.udp = FLAGS_udp;
  config.handle_signals = true;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(argc, argv,
                                  "TCP (and, with --udp, UDP) echo server on the reactor library.\n"
                                  "Usage: echo_server [--host=127.0.0.1] [--port=8888] ...");
  const echo::EchoServer::Config config = config_from_flags();
  app::raise_open_file_limit();
  try {
    echo::EchoServer server(config);
    std::cout << "Listening on " << server.address().to_string() << std::endl;
    server.run();
  } catch (const echo::ListenError& error) {
    std::fprintf(stderr, "echo_server: cannot listen on %s: %s\n", error.address().c_str(),
                 app::describe_listen_error(error.code()).c_str());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo_server: %s\n", error.what());
    return 1;
  }
  return 0;
}
