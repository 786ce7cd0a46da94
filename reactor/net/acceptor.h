// Acceptor: an EventHandler on a listening stream socket (TCP or Unix-domain) that accepts
// connections and hands each new socket (non-blocking, close-on-exec) to a callback.
// It accepts until EAGAIN but at most max_accepts_per_wakeup per readiness, so one busy listener
// cannot starve the loop. When the process or system is out of fds or memory (EMFILE, ENFILE,
// ENOBUFS, ENOMEM) it stops listening for fd_exhaustion_pause, then retries, instead of spinning
// on a level-triggered listener it cannot drain. It manages its own interest, so the
// EventHandler calls that would bypass that (set_interest, enable, disable, start on another fd)
// are private; start(), stop() and close() are its whole control.
// Ownership: owns the listening socket, and stops watching it before closing it.
// Threads: as EventHandler.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "reactor/core/event_handler.h"
#include "reactor/core/timer.h"
#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"

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
  // Stops first: the socket member closes the listener before ~EventHandler would deregister it.
  ~Acceptor() override;

  // Starts, or resumes after stop(), accepting on `reactor`. Throws std::system_error if the
  // poller refuses the listener, or with EBADF after close().
  void start(Reactor& reactor);
  // Stops accepting, a pause included, until the next start(). The listener stays open: the
  // kernel still completes handshakes into its backlog, and those clients wait.
  void stop();
  // Stops accepting for good and closes the listener: new connections are refused (with
  // SO_REUSEPORT, the port's other listeners get them), and those already completed in its
  // backlog are reset by the kernel. start() cannot follow.
  void close();

  // True while accepting is paused after fd exhaustion.
  bool paused() const { return resume_timer_.active(); }
  // The address listened on (an IP address and port, or a Unix path or abstract name); none
  // after close().
  std::optional<SocketAddress> local_address() const {
    return SocketAddress::local_of(socket_.fd());
  }

 private:
  using EventHandler::disable;
  using EventHandler::enable;
  using EventHandler::set_interest;
  using EventHandler::start;

  void on_readable() override;
  // A listener reports an error only once it is unusable (e.g. shut down): stop, pause included.
  void on_error() override { stop(); }
  void pause();

  Socket socket_;
  Callback on_accept_;
  Options options_;
  CallbackTimer resume_timer_;
};

}  // namespace reactor
