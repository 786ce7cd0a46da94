// SignalHandler: delivers POSIX signals as ordinary callbacks on a Reactor, through a signalfd.
// Subclass it and override on_signal().
//
// Construction blocks the signals in the calling thread so that the signalfd receives them;
// create signal handlers before starting other threads (new threads inherit the mask), or block
// the signals in those threads too. The signals stay blocked after the handler is destroyed.
// Ownership: owns its signalfd. Threads: as EventHandler.
#pragma once

#include <initializer_list>

#include "reactor/core/event_handler.h"

namespace reactor {

class SignalHandler : public EventHandler {
 public:
  // Throws std::system_error if a signal number is invalid or the signalfd cannot be made.
  explicit SignalHandler(std::initializer_list<int> signals);
  ~SignalHandler() override;

  void start(Reactor& reactor);

 protected:
  virtual void on_signal(int signal_number) = 0;

 private:
  void on_readable() final;

  int signal_fd_ = -1;
};

}  // namespace reactor
