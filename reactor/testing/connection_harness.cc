#include "reactor/testing/connection_harness.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace reactor::testing {
namespace {

// Rounds after which run_until_idle() gives up: far more than any exchange a unit test makes.
constexpr int kMaxRounds = 10000;
constexpr std::chrono::milliseconds kNoWait{0};

}  // namespace

ConnectionHarness::ConnectionHarness(const Factory& factory, const Options& options)
    : reactor_(std::make_unique<MockPoller>(), clock_), fd_(pair_.local()) {
  connection_ = factory(Socket(pair_.release_local()));
  if (!connection_)
    throw std::invalid_argument("ConnectionHarness: the factory made no connection");
  connection_->set_owner(this, 0);
  connection_->start(reactor_);
  if (options.idle_timeout > std::chrono::milliseconds::zero()) {
    idle_tracker_ =
        std::make_unique<IdleTracker>(reactor_, options.idle_timeout, options.idle_activity);
    idle_tracker_->add(*connection_);
  }
}

ConnectionHarness::~ConnectionHarness() = default;

void ConnectionHarness::peer_write(std::string_view bytes) {
  if (peer_shut_down_ || pair_.peer() < 0) {
    throw std::logic_error("ConnectionHarness::peer_write after the peer shut down or reset");
  }
  while (!bytes.empty()) {
    const ssize_t n = ::send(pair_.peer(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      throw std::system_error(errno, std::generic_category(), "ConnectionHarness::peer_write");
    } else if (run_until_idle() == 0) {
      throw std::logic_error(
          "ConnectionHarness::peer_write: the socket is full and the "
          "connection does not read");
    }
  }
}

void ConnectionHarness::peer_shutdown() {
  if (pair_.peer() >= 0 && ::shutdown(pair_.peer(), SHUT_WR) != 0) {
    throw std::system_error(errno, std::generic_category(), "ConnectionHarness::peer_shutdown");
  }
  peer_shut_down_ = true;
}

void ConnectionHarness::peer_reset() {
  if (pair_.peer() < 0) return;
  // Fails harmlessly if the connection's socket is closed or the peer's queue is full (then it
  // holds unread data already).
  static_cast<void>(::send(fd_, "!", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
  pair_.close_peer();
}

std::string ConnectionHarness::take_output() {
  std::string output;
  if (pair_.peer() < 0) return output;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(pair_.peer(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      output.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) peer_saw_eof_ = true;
    return output;
  }
}

Readiness ConnectionHarness::pending_readiness() {
  MockPoller& mock = poller();
  if (!mock.watching(fd_)) return Readiness{};
  pollfd watched{fd_, POLLIN | POLLOUT, 0};
  if (::poll(&watched, 1, 0) < 0) {
    throw std::system_error(errno, std::generic_category(), "ConnectionHarness: poll");
  }
  const Readiness ready = Readiness::from_kernel(static_cast<std::uint32_t>(watched.revents));
  return (ready & mock.interest(fd_)) | (ready & (Readiness::kError | Readiness::kHangup));
}

int ConnectionHarness::run_until_idle() {
  int busy_rounds = 0;
  for (int round = 0; round < kMaxRounds; ++round) {
    const Readiness ready = pending_readiness();
    if (ready) poller().inject(fd_, ready);
    const int callbacks = reactor_.run_once(kNoWait);
    if (callbacks == 0 && !ready) return busy_rounds;
    ++busy_rounds;
  }
  throw std::logic_error("ConnectionHarness::run_until_idle: the loop does not settle");
}

void ConnectionHarness::advance(std::chrono::milliseconds by) {
  clock_.advance(by);
  run_until_idle();
}

std::string ConnectionHarness::round_trip(std::string_view bytes) {
  peer_write(bytes);
  run_until_idle();
  return take_output();
}

void ConnectionHarness::fail_reads(int error, int times) {
  syscalls_.script(FakeSyscalls::Call::kRecv, FakeSyscalls::Outcome::fail(error), fd_, times);
}

void ConnectionHarness::fail_writes(int error, int times) {
  syscalls_.script(FakeSyscalls::Call::kSend, FakeSyscalls::Outcome::fail(error), fd_, times);
}

void ConnectionHarness::limit_writes(std::size_t max_bytes, int times) {
  syscalls_.script(FakeSyscalls::Call::kSend, FakeSyscalls::Outcome::at_most(max_bytes), fd_,
                   times);
}

void ConnectionHarness::closed(Connection& connection, CloseReason reason) {
  static_cast<void>(connection);
  close_reason_ = reason;
}

void ConnectionHarness::release(Connection& connection) {
  // The harness keeps the connection until it is destroyed, so a test can still inspect it.
  static_cast<void>(connection);
}

}  // namespace reactor::testing
