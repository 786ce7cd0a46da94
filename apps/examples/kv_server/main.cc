// kv_server: a line-based key-value server (the protocol is in kv_connection.h), the example that
// docs/tutorial.md walks through. A bad flag ends the process with one line on stderr and exit
// status 2; a failure to listen, with one line and exit status 1. SIGINT and SIGTERM close the
// connections gracefully and exit 0.

#include <gflags/gflags.h>

#include <cstddef>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "apps/common/command_line.h"
#include "apps/common/server_flags.h"
#include "apps/common/shutdown_on_signal.h"
#include "apps/examples/kv_server/kv_connection.h"
#include "apps/examples/kv_server/kv_store.h"
#include "reactor/core/reactor.h"
#include "reactor/net/threaded_tcp_server.h"

DEFINE_string(host, "127.0.0.1", "numeric IPv4 or IPv6 address to listen on (e.g. ::1)");
DEFINE_int32(port, 7777, "TCP port to listen on; 0 picks a free port");
DEFINE_int32(threads, 1, "reactor threads serving connections, all sharing one store");
DEFINE_int64(idle_timeout_ms, 60000,
             "close a connection that sent nothing for this long; 0: never");
DEFINE_int64(max_store_bytes, 64 << 20, "keys and values the store holds at most, in bytes");

namespace {

// Every thread's connections are KvConnections on the one store.
reactor::ThreadedTcpServer::FactoryFor connections_on(kv::KvStore& store) {
  return [&store](reactor::Reactor&, std::size_t) {
    return [&store](reactor::Socket socket) {
      return std::make_unique<kv::KvConnection>(std::move(socket), store);
    };
  };
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(argc, argv,
                                  "A line-based key-value server on the reactor library.\n"
                                  "Usage: kv_server [--host=127.0.0.1] [--port=7777] ...");
  const reactor::InetAddress address = app::address_from_flags(FLAGS_host, FLAGS_port);
  reactor::ThreadedTcpServer::Options options;
  options.threads = app::threads_from_flag(FLAGS_threads);
  options.server.idle_timeout =
      app::milliseconds_from_flag("idle_timeout_ms", FLAGS_idle_timeout_ms);
  kv::KvStore store(app::count_from_flag("max_store_bytes", FLAGS_max_store_bytes));

  reactor::Reactor reactor;
  app::ShutdownOnSignal shutdown(reactor);  // first: the server's threads inherit its signal mask
  std::optional<reactor::ThreadedTcpServer> server;
  try {
    server.emplace(reactor, address, connections_on(store), options);
  } catch (const std::system_error& error) {
    std::fprintf(stderr, "kv_server: cannot listen on %s: %s\n", address.to_string().c_str(),
                 app::describe_listen_error(error.code()).c_str());
    return 1;
  }
  shutdown.watch(*server);
  server->start();
  std::cout << "Listening on " << server->address().to_string() << std::endl;
  reactor.run();  // until SIGINT or SIGTERM
  return 0;
}
