#include "reactor/net/connector.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <random>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"

namespace reactor {
namespace {

// Failures that another attempt may not meet: nobody listening yet (refused, or a Unix socket
// file not there yet), the network or the peer unreachable or slow, a reset, a Unix listener's
// full backlog (EAGAIN), local ports, fds or memory running out. Anything else (EACCES,
// EAFNOSUPPORT, EINVAL, ...) would fail the same way every time.
bool is_transient(int error) {
  switch (error) {
    case ECONNREFUSED:
    case ENOENT:
    case ETIMEDOUT:
    case ENETUNREACH:
    case ENETDOWN:
    case EHOSTUNREACH:
    case ECONNRESET:
    case ECONNABORTED:
    case ENOTCONN:
    case EAGAIN:
    case EADDRINUSE:
    case EADDRNOTAVAIL:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return true;
    default:
      return false;
  }
}

double default_jitter() {
  thread_local std::minstd_rand generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace

Connector::Connector(Reactor& reactor, const SocketAddress& address, Callback on_result,
                     const Options& options)
    : loop_(reactor),
      address_(address),
      on_result_(std::move(on_result)),
      options_(options),
      attempt_timer_([this] { attempt(); }),
      timeout_timer_([this] { failed(ETIMEDOUT); }) {}

Connector::~Connector() {
  abandon();
}

void Connector::start(std::chrono::milliseconds delay) {
  abandon();
  attempts_ = 0;
  state_ = State::kScheduled;
  attempt_timer_.start(loop_, delay);
}

void Connector::cancel() {
  abandon();
  state_ = State::kIdle;
}

std::chrono::milliseconds Connector::backoff(int retry, double jitter) const {
  const std::chrono::milliseconds limit =
      std::max(options_.max_backoff, std::chrono::milliseconds(0));
  std::chrono::milliseconds delay =
      std::clamp(options_.initial_backoff, std::chrono::milliseconds(0), limit);
  for (int doubling = 1; doubling < retry && delay < limit; ++doubling)
    delay = std::min(delay * 2, limit);
  const double taken_off = std::clamp(jitter, 0.0, 1.0) / 2;
  return delay - std::chrono::milliseconds(static_cast<long long>(delay.count() * taken_off));
}

void Connector::attempt() {
  ++attempts_;
  state_ = State::kConnecting;
  socket_ = Socket(::socket(address_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket_.valid()) {
    failed(errno);
    return;
  }
  const int result = sys().connect(socket_.fd(), address_.sockaddr_ptr(), address_.length());
  const int error = result == 0 ? 0 : errno;
  if (error == 0) {  // Unix sockets, and sometimes loopback, connect at once
    connected();
    return;
  }
  // EINTR does not abort a connect: it goes on in the background, as after EINPROGRESS.
  if (error != EINPROGRESS && error != EINTR) {
    failed(error);
    return;
  }
  try {
    EventHandler::start(loop_, socket_.fd(), kWrite);
  } catch (const std::system_error& refused) {
    failed(refused.code().value());
    return;
  }
  if (options_.connect_timeout > std::chrono::milliseconds(0)) {
    timeout_timer_.start(loop_, options_.connect_timeout);
  }
}

void Connector::on_writable() {
  const std::error_code error = socket_.pending_error();
  if (error) {
    failed(error.value());
    return;
  }
  connected();
}

void Connector::connected() {
  if (address_.is_inet()) {
    const std::optional<SocketAddress> peer = SocketAddress::peer_of(socket_.fd());
    if (!peer) {  // reset before we looked
      failed(ENOTCONN);
      return;
    }
    // With nobody listening on a loopback port in the ephemeral range, the kernel may pick that
    // very port as the local one, and TCP's simultaneous open connects the socket to itself.
    // Nobody listens there, so it counts as refused (muduo does the same).
    if (SocketAddress::local_of(socket_.fd()) == peer) {
      failed(ECONNREFUSED);
      return;
    }
    if (options_.no_delay) socket_.set_no_delay(true);
  }
  timeout_timer_.stop();
  EventHandler::stop();
  finish({}, std::move(socket_));
}

void Connector::failed(int error) {
  abandon();
  if (is_transient(error) && (options_.max_attempts <= 0 || attempts_ < options_.max_attempts)) {
    state_ = State::kScheduled;
    attempt_timer_.start(
        loop_, backoff(attempts_, options_.jitter ? options_.jitter() : default_jitter()));
    return;
  }
  finish(std::error_code(error, std::generic_category()), Socket());
}

void Connector::abandon() {
  attempt_timer_.stop();
  timeout_timer_.stop();
  EventHandler::stop();  // before the socket closes
  socket_.reset();
}

void Connector::finish(std::error_code error, Socket socket) {
  state_ = State::kIdle;
  // A copy: the callback may destroy this Connector, and with it on_result_.
  const Callback callback = on_result_;
  callback(error, std::move(socket));
}

}  // namespace reactor
