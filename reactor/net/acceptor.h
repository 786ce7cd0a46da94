// Acceptor: an EventHandler on a listening socket that accepts connections and hands each new
// socket (non-blocking, close-on-exec) to a callback.
// It accepts until EAGAIN but at most max_accepts_per_wakeup per readiness, so one busy listener
// cannot starve the loop. When the process or system is out of fds or memory (EMFILE, ENFILE,
// ENOBUFS, ENOMEM) it stops listening for fd_exhaustion_pause, then retries, instead of spinning
// on a level-triggered listener it cannot drain.
// Ownership: owns the listening socket. Threads: as EventHandler.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "reactor/core/event_handler.h"
#include "reactor/core/timer.h"
#include "reactor/net/socket.h"

namespace reactor {

class Acceptor : public EventHandler {
 public:
  struct Options {
    int max_accepts_per_wakeup = 64;
    std::chrono::milliseconds fd_exhaustion_pause{100};
  };
  using Callback = std::function<void(Socket accepted)>;

  Acceptor(Socket listener, Callback on_accept, const Options& options);
  Acceptor(Socket listener, Callback on_accept)
      : Acceptor(std::move(listener), std::move(on_accept), Options{}) {}

  // Starts listening for connections on `reactor`. Throws std::system_error on refusal.
  void start(Reactor& reactor);
  // True while accepting is paused after fd exhaustion.
  bool paused() const { return resume_timer_.active(); }
  std::optional<InetAddress> local_address() const { return InetAddress::local_of(socket_.fd()); }

 private:
  void on_readable() override;
  void pause();

  Socket socket_;
  Callback on_accept_;
  Options options_;
  CallbackTimer resume_timer_;
};

}  // namespace reactor
