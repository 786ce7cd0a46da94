#include "reactor/net/acceptor.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

// Out of fds or kernel memory: the pending connection stays queued, so retrying at once would
// fail the same way on every wakeup of a level-triggered listener.
bool is_resource_exhaustion(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

Acceptor::Acceptor(Socket listener, Callback on_accept, const Options& options)
    : socket_(std::move(listener)),
      on_accept_(std::move(on_accept)),
      options_(options),
      resume_timer_([this] { enable(kRead); }) {
  options_.max_accepts_per_wakeup = std::max(options_.max_accepts_per_wakeup, 1);
}

Acceptor::~Acceptor() {
  stop();
}

void Acceptor::start(Reactor& reactor) {
  if (!socket_.valid()) {
    throw std::system_error(EBADF, std::generic_category(), "Acceptor::start after close()");
  }
  resume_timer_.stop();
  EventHandler::start(reactor, socket_.fd(), kRead);
}

void Acceptor::stop() {
  resume_timer_.stop();
  EventHandler::stop();
}

void Acceptor::close() {
  stop();
  socket_.reset();
}

void Acceptor::on_readable() {
  // Every attempt counts against the budget, failed ones too, so no error can hold the loop.
  for (int attempt = 0; attempt < options_.max_accepts_per_wakeup; ++attempt) {
    const int fd = sys().accept4(socket_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      on_accept_(Socket(fd));
      if (!active()) return;  // the callback stopped us
      continue;
    }
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) return;
    if (is_resource_exhaustion(error)) {
      pause();
      return;
    }
    // EINTR, ECONNABORTED, EPROTO and the network errors accept() passes on from the new
    // connection concern that connection only: try the next one.
  }
}

void Acceptor::pause() {
  disable(kRead);
  resume_timer_.start(*reactor(), options_.fd_exhaustion_pause);
}

}  // namespace reactor
