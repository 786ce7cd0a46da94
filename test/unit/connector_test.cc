#include "reactor/net/connector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/poller/make_poller.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "test/support/handler_api.h"

namespace reactor {
namespace {

using std::chrono::milliseconds;
using testing::FakeSyscalls;
using Call = FakeSyscalls::Call;
using Outcome = FakeSyscalls::Outcome;
using State = Connector::State;

SocketAddress loopback(std::uint16_t port = 0) {
  return *InetAddress::parse("127.0.0.1", port);
}

// A TCP listener on a free loopback port.
Socket loopback_listener() {
  return listen_tcp(*InetAddress::parse("127.0.0.1", 0));
}

bool no_delay(const Socket& socket) {
  int on = 0;
  socklen_t length = sizeof on;
  ::getsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &on, &length);
  return on != 0;
}

// A loopback port nobody listens on: bound once, then closed.
SocketAddress closed_port() {
  const Socket listener = loopback_listener();
  return *SocketAddress::local_of(listener.fd());
}

// A listening Unix-domain socket at `address` (path or abstract).
Socket listen_unix(const SocketAddress& address) {
  Socket listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (::bind(listener.fd(), address.sockaddr_ptr(), address.length()) != 0 ||
      ::listen(listener.fd(), 16) != 0) {
    throw std::system_error(errno, std::generic_category(), "listen " + address.to_string());
  }
  return listener;
}

// Waits (bounded) until the kernel has settled a non-blocking connect on `fd`.
void wait_for_kernel(int fd) {
  pollfd entry{fd, POLLOUT, 0};
  ASSERT_EQ(::poll(&entry, 1, 5000), 1) << "the kernel did not settle the connect";
}

struct Result {
  std::error_code error;
  Socket socket;
};

// A Connector on a MockPoller and a ManualClock: write readiness is injected, connect() reaches
// the kernel unless the FakeSyscalls scripted a failure.
class ConnectorTest : public ::testing::Test {
 protected:
  ConnectorTest() {
    auto poller = std::make_unique<testing::MockPoller>();
    poller_ = poller.get();
    reactor_ = std::make_unique<Reactor>(std::move(poller), clock_);
    reactor_watches_ = poller_->watched_count();  // the reactor's own waker
  }

  Connector& make(const SocketAddress& address, const Connector::Options& options = {}) {
    connector_ = std::make_unique<Connector>(
        *reactor_, address,
        [this](std::error_code error, Socket socket) {
          results_.push_back({error, std::move(socket)});
          if (after_result_) after_result_();
        },
        options);
    return *connector_;
  }

  // Options with a constant jitter, so that the backoff is exact.
  static Connector::Options retrying(int max_attempts, double jitter = 0.0) {
    Connector::Options options;
    options.max_attempts = max_attempts;
    options.initial_backoff = milliseconds(100);
    options.max_backoff = milliseconds(1000);
    options.jitter = [jitter] { return jitter; };
    return options;
  }

  // Makes the next connect() really connect to `address` but report `error` (EINPROGRESS,
  // EINTR): the socket is then connecting, or connected, behind the Connector's back.
  void connect_behind_an_error(const SocketAddress& address, int error) {
    fake_.on_call(Call::kConnect,
                  [address](int fd) { ::connect(fd, address.sockaddr_ptr(), address.length()); });
    fake_.script(Call::kConnect, Outcome::fail(error));
  }

  // If the attempt in flight is registered, waits for the kernel and reports its readiness as
  // epoll would.
  void deliver_completion() {
    if (!connector_->active()) return;
    const int fd = connector_->fd();
    wait_for_kernel(fd);
    pollfd entry{fd, POLLOUT, 0};
    ::poll(&entry, 1, 0);
    Readiness readiness = kWritable;
    if (entry.revents & POLLERR) readiness |= kError;
    if (entry.revents & POLLHUP) readiness |= kHangup;
    poller_->inject(fd, readiness);
    run_once();
  }

  void run_once() { reactor_->run_once(milliseconds(0)); }
  void advance(milliseconds by) {
    clock_.advance(by);
    run_once();
  }
  // Registrations the connector did not make.
  std::size_t reactor_watches_ = 0;
  std::size_t connect_calls() const { return fake_.calls(Call::kConnect); }

  FakeSyscalls fake_;
  ScopedSyscalls scope_{fake_};
  testing::ManualClock clock_;
  testing::MockPoller* poller_;
  std::unique_ptr<Reactor> reactor_;
  std::vector<Result> results_;
  std::function<void()> after_result_;
  std::unique_ptr<Connector> connector_;
};

TEST_F(ConnectorTest, TheFirstAttemptIsMadeFromTheLoopNeverInsideStart) {
  Socket listener = listen_tcp(*InetAddress::parse("127.0.0.1", 0));
  Connector& connector = make(*SocketAddress::local_of(listener.fd()));

  connector.start();
  EXPECT_EQ(connect_calls(), 0u);
  EXPECT_EQ(connector.state(), State::kScheduled);

  run_once();
  EXPECT_EQ(connect_calls(), 1u);
  EXPECT_EQ(connector.attempts(), 1);
}

TEST_F(ConnectorTest, AnImmediateConnectHandsTheSocketOverWithoutRegistering) {
  const SocketAddress address = *SocketAddress::unix_abstract("reactor-connector-immediate");
  Socket listener = listen_unix(address);
  Connector& connector = make(address);

  connector.start();
  run_once();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].error);
  ASSERT_TRUE(results_[0].socket.valid());
  EXPECT_TRUE(::fcntl(results_[0].socket.fd(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(::fcntl(results_[0].socket.fd(), F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(SocketAddress::peer_of(results_[0].socket.fd()), address);
  EXPECT_EQ(poller_->counters().adds, reactor_watches_);
  EXPECT_EQ(connector.state(), State::kIdle);
  EXPECT_FALSE(connector.active());
}

TEST_F(ConnectorTest, AConnectInProgressCompletesOnWriteReadiness) {
  const Socket listener = loopback_listener();
  const SocketAddress address = *SocketAddress::local_of(listener.fd());
  Connector& connector = make(address);
  connect_behind_an_error(address, EINPROGRESS);

  connector.start();
  run_once();
  ASSERT_TRUE(connector.active());
  EXPECT_EQ(poller_->interest(connector.fd()), kWrite);
  EXPECT_EQ(connector.state(), State::kConnecting);
  EXPECT_TRUE(results_.empty());

  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].error);
  ASSERT_TRUE(results_[0].socket.valid());
  EXPECT_EQ(SocketAddress::peer_of(results_[0].socket.fd()), address);
  EXPECT_TRUE(no_delay(results_[0].socket));
  EXPECT_FALSE(poller_->watching(results_[0].socket.fd()));
  EXPECT_EQ(connector.state(), State::kIdle);
}

TEST_F(ConnectorTest, TcpNoDelayIsLeftOffWhenTheOptionsSaySo) {
  const Socket listener = loopback_listener();
  const SocketAddress address = *SocketAddress::local_of(listener.fd());
  Connector::Options options;
  options.no_delay = false;
  make(address, options).start();
  run_once();
  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  ASSERT_TRUE(results_[0].socket.valid());
  EXPECT_FALSE(no_delay(results_[0].socket));
}

TEST_F(ConnectorTest, AnInterruptedConnectGoesOnInTheBackgroundAndIsNotRepeated) {
  const Socket listener = loopback_listener();
  const SocketAddress address = *SocketAddress::local_of(listener.fd());
  Connector& connector = make(address);
  connect_behind_an_error(address, EINTR);

  connector.start();
  run_once();
  ASSERT_TRUE(connector.active());
  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].error) << results_[0].error.message();
  EXPECT_TRUE(results_[0].socket.valid());
  EXPECT_EQ(connect_calls(), 1u);
}

TEST_F(ConnectorTest, AClosedPortIsReportedAsRefusedAndTheFdDeregisteredBeforeItCloses) {
  Connector& connector = make(closed_port());

  connector.start();
  run_once();
  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::connection_refused);
  EXPECT_FALSE(results_[0].socket.valid());
  EXPECT_EQ(poller_->watched_count(), reactor_watches_);
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_EQ(connector.state(), State::kIdle);
}

TEST_F(ConnectorTest, AnAttemptThatNeverCompletesTimesOut) {
  Connector::Options options;
  options.connect_timeout = milliseconds(3000);
  Connector& connector = make(loopback(9), options);
  fake_.script(Call::kConnect, Outcome::fail(EINPROGRESS));  // and write readiness never comes

  connector.start();
  run_once();
  ASSERT_TRUE(connector.active());
  advance(milliseconds(2999));
  EXPECT_TRUE(results_.empty());

  advance(milliseconds(1));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::timed_out);
  EXPECT_FALSE(connector.active());
  EXPECT_EQ(poller_->watched_count(), reactor_watches_);
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_EQ(reactor_->active_timers(), 0u);
}

TEST_F(ConnectorTest, AnUnreachableNetworkIsReported) {
  Connector& connector = make(loopback(9));
  fake_.script(Call::kConnect, Outcome::fail(ENETUNREACH));

  connector.start();
  run_once();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::network_unreachable);
  EXPECT_EQ(connector.attempts(), 1);
  EXPECT_EQ(poller_->counters().adds, reactor_watches_);
}

TEST_F(ConnectorTest, TransientFailuresAreRetriedAfterADoublingBackoff) {
  Socket listener = listen_tcp(*InetAddress::parse("127.0.0.1", 0));
  Connector& connector = make(*SocketAddress::local_of(listener.fd()), retrying(4));
  fake_.script(Call::kConnect, Outcome::fail(ENETUNREACH), FakeSyscalls::kAnyFd, 3);

  connector.start();
  run_once();
  EXPECT_EQ(connector.attempts(), 1);
  EXPECT_EQ(connector.state(), State::kScheduled);
  for (const int delay_ms : {100, 200, 400}) {
    const int before = connector.attempts();
    advance(milliseconds(delay_ms - 1));
    EXPECT_EQ(connector.attempts(), before) << "retried before " << delay_ms << " ms";
    advance(milliseconds(1));
    EXPECT_EQ(connector.attempts(), before + 1) << "not retried after " << delay_ms << " ms";
  }
  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].error);
  EXPECT_TRUE(results_[0].socket.valid());
}

TEST_F(ConnectorTest, TheBackoffDoublesUpToItsMaximumAndJitterTakesUpToHalfOff) {
  Connector& connector = make(loopback(9), retrying(0));

  EXPECT_EQ(connector.backoff(1, 0.0), milliseconds(100));
  EXPECT_EQ(connector.backoff(2, 0.0), milliseconds(200));
  EXPECT_EQ(connector.backoff(4, 0.0), milliseconds(800));
  EXPECT_EQ(connector.backoff(5, 0.0), milliseconds(1000));
  EXPECT_EQ(connector.backoff(1000, 0.0), milliseconds(1000));
  EXPECT_EQ(connector.backoff(1, 1.0), milliseconds(50));
  EXPECT_EQ(connector.backoff(3, 0.5), milliseconds(300));
  EXPECT_EQ(connector.backoff(1, 7.0), milliseconds(50));  // clamped to [0, 1]
  EXPECT_EQ(connector.backoff(1, -1.0), milliseconds(100));
}

TEST_F(ConnectorTest, TheRetryWaitsTheJitteredDelay) {
  Connector& connector = make(loopback(9), retrying(2, 1.0));
  fake_.script(Call::kConnect, Outcome::fail(ECONNREFUSED), FakeSyscalls::kAnyFd, 2);

  connector.start();
  run_once();
  advance(milliseconds(49));
  EXPECT_EQ(connector.attempts(), 1);
  advance(milliseconds(1));
  EXPECT_EQ(connector.attempts(), 2);
}

TEST_F(ConnectorTest, AfterTheLastAttemptTheLastErrorIsReported) {
  Connector& connector = make(loopback(9), retrying(2));
  fake_.script(Call::kConnect, Outcome::fail(ENETUNREACH));
  fake_.script(Call::kConnect, Outcome::fail(ECONNREFUSED));

  connector.start();
  run_once();
  EXPECT_TRUE(results_.empty());
  advance(milliseconds(100));

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::connection_refused);
  EXPECT_EQ(connector.attempts(), 2);
  EXPECT_EQ(reactor_->active_timers(), 0u);
}

TEST_F(ConnectorTest, AFailureThatRetryingCannotFixIsReportedAtOnce) {
  Connector& connector = make(loopback(9), retrying(5));
  fake_.script(Call::kConnect, Outcome::fail(EACCES), FakeSyscalls::kAnyFd, 5);

  connector.start();
  run_once();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::permission_denied);
  EXPECT_EQ(connector.attempts(), 1);
}

// The kernel's own self-connect: the socket is bound to the very port it connects to, which TCP's
// simultaneous open connects to itself.
TEST_F(ConnectorTest, AConnectionToItselfIsClosedAndCountsAsRefused) {
  const SocketAddress address = closed_port();
  Connector& connector = make(address);
  fake_.on_call(Call::kConnect, [address](int fd) {
    const int reuse = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    ASSERT_EQ(::bind(fd, address.sockaddr_ptr(), address.length()), 0) << std::strerror(errno);
  });
  int connector_fd = -1;
  fake_.on_call(Call::kClose, [&connector_fd](int fd) {
    if (connector_fd < 0) connector_fd = fd;
  });

  connector.start();
  run_once();
  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::connection_refused);
  EXPECT_FALSE(results_[0].socket.valid());
  EXPECT_GE(connector_fd, 0) << "the self-connected socket was not closed";
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
}

TEST_F(ConnectorTest, CancelDuringAConnectDeregistersClosesAndNeverCalls) {
  Connector::Options options;
  options.connect_timeout = milliseconds(1000);
  Connector& connector = make(loopback(9), options);
  fake_.script(Call::kConnect, Outcome::fail(EINPROGRESS));
  connector.start();
  run_once();
  const int fd = connector.fd();
  ASSERT_TRUE(poller_->watching(fd));

  connector.cancel();
  EXPECT_FALSE(poller_->watching(fd));
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the attempt's socket is still open";
  EXPECT_EQ(connector.state(), State::kIdle);
  poller_->inject(fd, kWritable);
  advance(milliseconds(5000));

  EXPECT_TRUE(results_.empty());
  EXPECT_EQ(reactor_->active_timers(), 0u);
}

TEST_F(ConnectorTest, CancelDuringTheBackoffStopsTheRetry) {
  Connector& connector = make(loopback(9), retrying(3));
  fake_.script(Call::kConnect, Outcome::fail(ECONNREFUSED), FakeSyscalls::kAnyFd, 3);
  connector.start();
  run_once();
  ASSERT_EQ(connector.state(), State::kScheduled);

  connector.cancel();
  advance(milliseconds(60000));

  EXPECT_EQ(connect_calls(), 1u);
  EXPECT_TRUE(results_.empty());
  EXPECT_EQ(reactor_->active_timers(), 0u);
}

TEST_F(ConnectorTest, StartDuringAConnectAbandonsTheAttemptInFlight) {
  Connector& connector = make(loopback(9));
  fake_.script(Call::kConnect, Outcome::fail(EINPROGRESS));
  connector.start();
  run_once();
  const int first_fd = connector.fd();

  connector.start();
  EXPECT_FALSE(poller_->watching(first_fd));
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_EQ(connector.attempts(), 0);
  EXPECT_EQ(connector.state(), State::kScheduled);
}

TEST_F(ConnectorTest, DestructionDuringAConnectDeregistersBeforeClosing) {
  Connector::Options options;
  options.connect_timeout = milliseconds(1000);
  make(loopback(9), options).start();
  fake_.script(Call::kConnect, Outcome::fail(EINPROGRESS));
  run_once();
  const int fd = connector_->fd();

  connector_.reset();

  EXPECT_FALSE(poller_->watching(fd));
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(reactor_->active_timers(), 0u);
}

TEST_F(ConnectorTest, DestructionDuringTheBackoffLeavesNoTimer) {
  make(loopback(9), retrying(3)).start();
  fake_.script(Call::kConnect, Outcome::fail(ECONNREFUSED));
  run_once();
  ASSERT_EQ(reactor_->active_timers(), 1u);

  connector_.reset();
  EXPECT_EQ(reactor_->active_timers(), 0u);
  advance(milliseconds(60000));
  EXPECT_EQ(connect_calls(), 1u);
}

TEST_F(ConnectorTest, TheCallbackMayDestroyTheConnectorOnSuccess) {
  const SocketAddress address = *SocketAddress::unix_abstract("reactor-connector-destroy");
  Socket listener = listen_unix(address);
  make(address).start();
  after_result_ = [this] { connector_.reset(); };

  run_once();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].socket.valid());
  EXPECT_EQ(connector_, nullptr);
}

TEST_F(ConnectorTest, TheCallbackMayDestroyTheConnectorOnFailure) {
  make(closed_port()).start();
  after_result_ = [this] { connector_.reset(); };
  run_once();
  deliver_completion();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::connection_refused);
  EXPECT_EQ(connector_, nullptr);
  EXPECT_EQ(poller_->watched_count(), reactor_watches_);
}

TEST_F(ConnectorTest, TheCallbackMayStartTheConnectorAgain) {
  const SocketAddress address = *SocketAddress::unix_abstract("reactor-connector-again");
  Socket listener = listen_unix(address);
  make(address).start();
  after_result_ = [this] {
    if (results_.size() < 3) connector_->start();
  };

  for (int i = 0; i < 5; ++i)
    run_once();

  ASSERT_EQ(results_.size(), 3u);
  for (const Result& result : results_)
    EXPECT_TRUE(result.socket.valid());
  EXPECT_EQ(connector_->state(), State::kIdle);
}

TEST_F(ConnectorTest, AnAttemptThePollerRefusesFailsWithItsError) {
  Connector& connector = make(loopback(9));
  fake_.script(Call::kConnect, Outcome::fail(EINPROGRESS));
  poller_->fail_next_registration(ENOMEM);

  connector.start();
  run_once();

  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error, std::errc::not_enough_memory);
  EXPECT_FALSE(connector.active());
}

TEST(ConnectorApiTest, HidesTheEventHandlerControlsThatWouldBypassIt) {
  static_assert(!testing::ExposesStop<Connector>::value);
  static_assert(!testing::ExposesSetInterest<Connector>::value);
  static_assert(!testing::ExposesEnable<Connector>::value);
  static_assert(!testing::ExposesDisable<Connector>::value);
  static_assert(!testing::ExposesStartOnAnyFd<Connector>::value);
}

// The kernel's side, on each kernel poller and the steady clock; every wait is bounded.
class ConnectorLoopbackTest : public ::testing::TestWithParam<const char*> {
 protected:
  Result connect_to(const SocketAddress& address, const Connector::Options& options = {}) {
    std::optional<Result> result;
    Connector connector(
        reactor_, address,
        [&result](std::error_code error, Socket socket) {
          result = {error, std::move(socket)};
        },
        options);
    connector.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!result && std::chrono::steady_clock::now() < deadline)
      reactor_.run_once(milliseconds(10));
    if (!result) return {std::make_error_code(std::errc::operation_in_progress), Socket()};
    return std::move(*result);
  }

  Reactor reactor_{make_poller(GetParam())};
};

TEST_P(ConnectorLoopbackTest, ConnectsOverIpv4) {
  const Socket listener = loopback_listener();
  const SocketAddress address = *SocketAddress::local_of(listener.fd());

  const Result result = connect_to(address);

  EXPECT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(SocketAddress::peer_of(result.socket.fd()), address);
}

TEST_P(ConnectorLoopbackTest, ConnectsOverIpv6) {
  Socket listener;
  try {
    listener = listen_tcp(*InetAddress::parse("::1", 0));
  } catch (const std::system_error&) {
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  const SocketAddress address = *SocketAddress::local_of(listener.fd());

  const Result result = connect_to(address);

  EXPECT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(SocketAddress::peer_of(result.socket.fd()), address);
}

TEST_P(ConnectorLoopbackTest, ConnectsToAUnixPathAndAnAbstractName) {
  const std::string path = ::testing::TempDir() + "reactor-connector-" + std::to_string(::getpid());
  ::unlink(path.c_str());
  for (const SocketAddress& address :
       {*SocketAddress::unix_path(path), *SocketAddress::unix_abstract(path)}) {
    Socket listener = listen_unix(address);

    const Result result = connect_to(address);

    EXPECT_FALSE(result.error) << address.to_string() << ": " << result.error.message();
    EXPECT_EQ(SocketAddress::peer_of(result.socket.fd()), address);
  }
  ::unlink(path.c_str());
}

TEST_P(ConnectorLoopbackTest, AClosedPortIsRefused) {
  EXPECT_EQ(connect_to(closed_port()).error, std::errc::connection_refused);
}

TEST_P(ConnectorLoopbackTest, AMissingUnixSocketFileIsReportedAsNotFound) {
  const std::string path = ::testing::TempDir() + "reactor-connector-missing";
  ::unlink(path.c_str());
  EXPECT_EQ(connect_to(*SocketAddress::unix_path(path)).error,
            std::errc::no_such_file_or_directory);
}

// A listener whose accept queue is full drops new SYNs, so the connect never completes.
TEST_P(ConnectorLoopbackTest, AConnectToAFullBacklogTimesOut) {
  ListenOptions listen_options;
  listen_options.backlog = 0;
  Socket listener = listen_tcp(*InetAddress::parse("127.0.0.1", 0), listen_options);
  const SocketAddress address = *SocketAddress::local_of(listener.fd());
  std::vector<Socket> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ::connect(fillers.back().fd(), address.sockaddr_ptr(), address.length());
  }
  Connector::Options options;
  options.connect_timeout = milliseconds(200);

  EXPECT_EQ(connect_to(address, options).error, std::errc::timed_out);
}

std::string poller_name(const ::testing::TestParamInfo<const char*>& info) {
  return info.param;
}
INSTANTIATE_TEST_SUITE_P(KernelPollers, ConnectorLoopbackTest, ::testing::Values("epoll", "poll"),
                         poller_name);

}  // namespace
}  // namespace reactor
