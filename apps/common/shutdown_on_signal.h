// ShutdownOnSignal: ends a ThreadedTcpServer on SIGINT or SIGTERM as the servers here do: every
// thread stops accepting and closes its connections gracefully (each flushes its output first);
// once none is left, or after a grace period, the caller's reactor stops, so that its run()
// returns and main() destroys the server, which resets the connections still open.
// The server's connection count is checked on a short timer rather than reported by each
// connection as it closes: a shutdown happens once, and the connections need no hook for it.
// Ownership: owns the signal handler; the reactor and the watched server must outlive it.
// Threads: the reactor's thread. Construct it before any other thread starts (see watch()).
#pragma once

#include <chrono>

#include "reactor/core/owned_timers.h"
#include "reactor/core/reactor.h"
#include "reactor/core/signal_handler.h"
#include "reactor/net/threaded_tcp_server.h"

namespace app {

class ShutdownOnSignal {
 public:
  // How long connections may take to close gracefully before they are reset.
  static constexpr std::chrono::milliseconds kGrace{1000};

  // Blocks SIGINT and SIGTERM in the calling thread, which threads started later inherit, so that
  // they reach the reactor's signalfd.
  explicit ShutdownOnSignal(reactor::Reactor& reactor);

  // From now on, SIGINT or SIGTERM shuts `server` down (a signal that came before waits for this).
  void watch(reactor::ThreadedTcpServer& server);

 private:
  void shut_down();
  void stop_when_drained();

  reactor::Reactor& reactor_;
  reactor::CallbackSignalHandler signals_;
  reactor::ThreadedTcpServer* server_ = nullptr;
  bool shutting_down_ = false;
  reactor::TimerHandle drain_check_;
  reactor::TimerHandle grace_;
};

}  // namespace app
