// ReactorThread: one Reactor running on a thread of its own, as muduo's EventLoopThread. The
// reactor is made on that thread and is ready when the constructor returns; the destructor stops
// it and joins the thread.
//
// Ownership: owns the thread and the reactor; the reactor outlives the thread and is destroyed
// by the destructor, after the join, so work posted to it before then is never posted to a
// destroyed reactor. Handlers on the reactor belong to their owners, who must stop them (on the
// loop thread, e.g. with run_in_loop()) or destroy them after this object.
// Threads: construct and destroy on one thread; reactor() may be used from any thread within the
// reactor's own rules (post(), run_in_loop(), stop() from anywhere, the rest on its loop thread).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "reactor/core/poller.h"
#include "reactor/core/reactor.h"

namespace reactor {

class ReactorThread {
 public:
  using PollerFactory = std::function<std::unique_ptr<Poller>()>;

  struct Options {
    // The poller by name ("epoll" or "poll"), unless make_poller is set; called on the new thread.
    std::string poller = "epoll";
    PollerFactory make_poller;
    // Called on the loop thread with what a handler, timer or task threw out of run(). The loop
    // then runs again (the reactor stays consistent, see reactor.h), unless on_failure stopped
    // it. Without it, such an exception ends the process, as one leaving any std::thread does.
    std::function<void(std::exception_ptr)> on_failure;
  };

  // Starts the thread and returns once its reactor exists. Rethrows what making the poller or the
  // reactor threw (std::invalid_argument for an unknown poller name), with the thread joined.
  ReactorThread() : ReactorThread(Options{}) {}
  explicit ReactorThread(Options options);
  // Stops the reactor, joins the thread, then destroys the reactor.
  ~ReactorThread();
  // Stops the reactor and joins the thread, once; the reactor stays, running no more, until the
  // destructor, and the joining thread may then use it as its own (to destroy handlers on it).
  void join();
  ReactorThread(const ReactorThread&) = delete;
  ReactorThread& operator=(const ReactorThread&) = delete;

  Reactor& reactor() { return *reactor_; }
  std::thread::id thread_id() const { return thread_.get_id(); }

 private:
  std::unique_ptr<Reactor> reactor_;
  std::thread thread_;
};

}  // namespace reactor
