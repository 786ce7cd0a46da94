#include "reactor/core/signal_handler.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "reactor/core/signal_state.h"
#include "reactor/core/syscalls.h"

namespace reactor {

SignalHandler::SignalHandler(std::initializer_list<int> signals) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int signal_number : signals) {
    if (sigaddset(&mask, signal_number) != 0) {
      throw std::system_error(EINVAL, std::generic_category(), "signal number");
    }
  }
  const int error = detail::block_signals(mask);
  if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_sigmask");
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
}

SignalHandler::~SignalHandler() {
  stop();
  sys().close(signal_fd_);
}

void SignalHandler::start(Reactor& reactor) {
  EventHandler::start(reactor, signal_fd_, kRead);
}

void SignalHandler::on_readable() {
  // One signal per callback: the callback may destroy this handler, and level-triggered polling
  // brings the next queued signal in the next iteration.
  signalfd_siginfo info;
  const ssize_t n = retry_on_eintr([&] { return sys().read(signal_fd_, &info, sizeof info); });
  if (n == static_cast<ssize_t>(sizeof info)) on_signal(static_cast<int>(info.ssi_signo));
}

}  // namespace reactor
