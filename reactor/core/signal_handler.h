// SignalHandler: delivers POSIX signals as ordinary callbacks on a Reactor, through a signalfd.
// Subclass it and override on_signal(), or use CallbackSignalHandler.
//
// Construction blocks the signals in the calling thread so that the signalfd receives them;
// create signal handlers before starting other threads (new threads inherit the mask), or block
// the signals in those threads too. The signals stay blocked after the handler is destroyed:
// unblocking them would deliver a signal that arrived meanwhile to its default action (SIGTERM
// would kill the process) and would take it from another handler of the same signal. A child
// process inherits the mask across exec(); restore_signals_for_exec() (signal_state.h) undoes it.
// Ownership: owns its signalfd, and stops before closing it. Threads: as EventHandler.
#pragma once

#include <functional>
#include <initializer_list>
#include <utility>

#include "reactor/core/event_handler.h"

namespace reactor {

class SignalHandler : public EventHandler {
 public:
  // Throws std::system_error if a signal number is invalid or the signalfd cannot be made.
  explicit SignalHandler(std::initializer_list<int> signals);
  ~SignalHandler() override;

  // Watches the handler's own signalfd; the EventHandler start(reactor, fd, interest) is hidden.
  void start(Reactor& reactor);
  // stop(), active() and reactor() stay public: a stopped handler's signals wait in the signalfd
  // and are delivered after the next start().

 protected:
  virtual void on_signal(int signal_number) = 0;

 private:
  // The interest is always kRead on the handler's own fd; changing it would starve the signalfd.
  using EventHandler::disable;
  using EventHandler::enable;
  using EventHandler::set_interest;

  void on_readable() final;

  int signal_fd_ = -1;
};

// A SignalHandler that calls a function with the signal number, so that main() needs no
// subclass per signal.
class CallbackSignalHandler final : public SignalHandler {
 public:
  CallbackSignalHandler(std::initializer_list<int> signals, std::function<void(int)> callback)
      : SignalHandler(signals), callback_(std::move(callback)) {}

 private:
  void on_signal(int signal_number) override { callback_(signal_number); }
  std::function<void(int)> callback_;
};

}  // namespace reactor
