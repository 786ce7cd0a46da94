#include "reactor/net/acceptor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
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

InetAddress loopback_any_port() {
  return *InetAddress::parse("127.0.0.1", 0);
}

// An Acceptor on a real loopback listener, driven by a MockPoller and a ManualClock: readiness is
// injected, accept4 reaches the kernel unless the FakeSyscalls scripted a failure.
class AcceptorTest : public ::testing::Test {
 protected:
  AcceptorTest() {
    auto poller = std::make_unique<testing::MockPoller>();
    poller_ = poller.get();
    reactor_ = std::make_unique<Reactor>(std::move(poller), clock_);
  }

  void start(const Acceptor::Options& options = {}) {
    acceptor_ = std::make_unique<Acceptor>(
        listen_tcp(loopback_any_port()), [this](Socket socket) { on_accept(std::move(socket)); },
        options);
    acceptor_->start(*reactor_);
    poller_->set_ready(listen_fd(), kReadable);  // level-triggered: readable while polled
  }

  // Connections the kernel completes into the listener's backlog, waiting for accept.
  void connect_clients(int count) {
    for (int i = 0; i < count; ++i)
      clients_.push_back(connect_stream(*acceptor_->local_address()));
  }

  int listen_fd() const { return acceptor_->fd(); }
  std::size_t accept_calls() const { return fake_.calls(Call::kAccept4); }
  void run_once() { reactor_->run_once(milliseconds(0)); }

  FakeSyscalls fake_;
  ScopedSyscalls scope_{fake_};
  testing::ManualClock clock_;
  testing::MockPoller* poller_;
  std::unique_ptr<Reactor> reactor_;
  std::vector<Socket> clients_;
  std::vector<Socket> accepted_;
  std::function<void()> after_accept_;
  std::unique_ptr<Acceptor> acceptor_;

 private:
  void on_accept(Socket socket) {
    accepted_.push_back(std::move(socket));
    if (after_accept_) after_accept_();
  }
};

TEST_F(AcceptorTest, AcceptsEveryPendingConnectionUntilEagain) {
  start();
  connect_clients(3);

  run_once();

  ASSERT_EQ(accepted_.size(), 3u);
  EXPECT_EQ(accept_calls(), 4u);  // the fourth met EAGAIN
  for (const Socket& socket : accepted_) {
    EXPECT_TRUE(::fcntl(socket.fd(), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(socket.fd(), F_GETFD) & FD_CLOEXEC);
  }
  EXPECT_FALSE(acceptor_->paused());
}

TEST_F(AcceptorTest, AcceptsAtMostTheBudgetPerReadiness) {
  Acceptor::Options options;
  options.max_accepts_per_wakeup = 16;
  start(options);
  connect_clients(100);

  run_once();
  EXPECT_EQ(accepted_.size(), 16u);
  EXPECT_EQ(accept_calls(), 16u);

  run_once();
  EXPECT_EQ(accepted_.size(), 32u);

  for (int i = 0; i < 5; ++i)
    run_once();
  EXPECT_EQ(accepted_.size(), 100u);
  EXPECT_EQ(accept_calls(), 101u);  // 6 full rounds, then 4 and an EAGAIN
}

TEST_F(AcceptorTest, PerConnectionErrorsMoveOnToTheNextConnection) {
  start();
  connect_clients(2);
  // Aborted or failed handshakes, a signal, and an error the acceptor has no rule for.
  for (int error : {EINTR, ECONNABORTED, EPROTO, ENETUNREACH, EPERM}) {
    fake_.script(Call::kAccept4, Outcome::fail(error), listen_fd());
  }

  run_once();

  EXPECT_EQ(accepted_.size(), 2u);
  EXPECT_EQ(accept_calls(), 8u);
  EXPECT_FALSE(acceptor_->paused());
  EXPECT_EQ(poller_->interest(listen_fd()), kRead);
}

TEST_F(AcceptorTest, ErrorsCountAgainstTheBudget) {
  Acceptor::Options options;
  options.max_accepts_per_wakeup = 4;
  start(options);
  connect_clients(1);
  fake_.script(Call::kAccept4, Outcome::fail(EINTR), listen_fd(), 10);

  run_once();

  EXPECT_EQ(accept_calls(), 4u);
  EXPECT_TRUE(accepted_.empty());
}

TEST_F(AcceptorTest, ACallbackThatStopsTheAcceptorEndsTheBatch) {
  start();
  connect_clients(3);
  after_accept_ = [this] { acceptor_->stop(); };

  run_once();

  EXPECT_EQ(accepted_.size(), 1u);
  EXPECT_EQ(accept_calls(), 1u);
  EXPECT_FALSE(poller_->watching(listen_fd()));
}

class AcceptorExhaustionTest : public AcceptorTest, public ::testing::WithParamInterface<int> {
 protected:
  static constexpr milliseconds kPause{100};

  void start_with_pause() {
    Acceptor::Options options;
    options.fd_exhaustion_pause = kPause;
    start(options);
  }
};

TEST_P(AcceptorExhaustionTest, PausesThenRetriesThePendingConnections) {
  start_with_pause();
  connect_clients(2);
  fake_.script(Call::kAccept4, Outcome::fail(GetParam()), listen_fd());

  run_once();
  EXPECT_EQ(accept_calls(), 1u);
  EXPECT_TRUE(acceptor_->paused());
  EXPECT_EQ(poller_->interest(listen_fd()), kNoInterest);

  // Asked to wait forever, the loop sleeps until the pause ends instead of spinning.
  reactor_->run_once(Reactor::kWaitForever);
  EXPECT_EQ(poller_->last_timeout_ms(), kPause.count());
  clock_.advance(kPause - milliseconds(1));
  run_once();
  EXPECT_EQ(accept_calls(), 1u);
  EXPECT_TRUE(acceptor_->paused());

  clock_.advance(milliseconds(1));
  run_once();  // the pause ends: interest comes back
  EXPECT_FALSE(acceptor_->paused());
  EXPECT_EQ(poller_->interest(listen_fd()), kRead);
  EXPECT_TRUE(accepted_.empty());

  run_once();  // still readable (level-triggered): the connections left pending are accepted
  EXPECT_EQ(accepted_.size(), 2u);
  EXPECT_EQ(accept_calls(), 4u);
}

TEST_P(AcceptorExhaustionTest, PausesAgainWhileStillExhausted) {
  start_with_pause();
  connect_clients(1);
  fake_.script(Call::kAccept4, Outcome::fail(GetParam()), listen_fd(), 2);

  run_once();
  clock_.advance(kPause);
  run_once();  // resumes
  run_once();  // fails again
  EXPECT_EQ(accept_calls(), 2u);
  EXPECT_TRUE(acceptor_->paused());

  clock_.advance(kPause);
  run_once();
  run_once();
  EXPECT_EQ(accepted_.size(), 1u);
}

std::string errno_name(const ::testing::TestParamInfo<int>& error) {
  switch (error.param) {
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ENOBUFS:
      return "ENOBUFS";
    default:
      return "ENOMEM";
  }
}

INSTANTIATE_TEST_SUITE_P(ResourceErrors, AcceptorExhaustionTest,
                         ::testing::Values(EMFILE, ENFILE, ENOBUFS, ENOMEM), errno_name);

TEST_F(AcceptorTest, StartingAgainCancelsAPause) {
  start();
  connect_clients(1);
  fake_.script(Call::kAccept4, Outcome::fail(EMFILE), listen_fd());
  run_once();
  ASSERT_TRUE(acceptor_->paused());

  acceptor_->stop();
  acceptor_->start(*reactor_);

  EXPECT_FALSE(acceptor_->paused());
  run_once();
  EXPECT_EQ(accepted_.size(), 1u);
}

TEST_F(AcceptorTest, StoppingDuringAPauseKeepsItStopped) {
  start();
  connect_clients(1);
  fake_.script(Call::kAccept4, Outcome::fail(EMFILE), listen_fd());
  run_once();
  ASSERT_TRUE(acceptor_->paused());
  const int fd = listen_fd();

  acceptor_->stop();
  EXPECT_FALSE(acceptor_->paused());
  clock_.advance(Acceptor::Options{}.fd_exhaustion_pause);
  run_once();
  run_once();

  EXPECT_FALSE(acceptor_->paused());
  EXPECT_FALSE(acceptor_->active());
  EXPECT_FALSE(poller_->watching(fd));
  EXPECT_TRUE(accepted_.empty());
}

TEST_F(AcceptorTest, AHangUpDuringAPauseStopsItForGood) {
  start();
  connect_clients(1);
  fake_.script(Call::kAccept4, Outcome::fail(EMFILE), listen_fd());
  run_once();
  ASSERT_TRUE(acceptor_->paused());
  const int fd = listen_fd();

  poller_->inject(fd, kHangup);  // no interest while paused: on_error()
  run_once();

  EXPECT_FALSE(acceptor_->paused());
  EXPECT_FALSE(acceptor_->active());
  EXPECT_FALSE(poller_->watching(fd));
}

TEST_F(AcceptorTest, CloseStopsWatchingThenClosesTheListenerForGood) {
  start();
  const int fd = listen_fd();

  acceptor_->close();

  EXPECT_FALSE(acceptor_->active());
  EXPECT_FALSE(poller_->watching(fd));
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
  EXPECT_EQ(fake_.calls(Call::kClose), 1u);
  EXPECT_FALSE(acceptor_->local_address());
  EXPECT_THROW(acceptor_->start(*reactor_), std::system_error);
  EXPECT_FALSE(poller_->watching(fd));
}

TEST_F(AcceptorTest, DestroyingItDeregistersTheListenerBeforeClosingIt) {
  start();
  const int fd = listen_fd();

  acceptor_.reset();

  EXPECT_FALSE(poller_->watching(fd));
  EXPECT_EQ(poller_->counters().removes, 1u);
  EXPECT_EQ(poller_->counters().removes_of_closed_fds, 0u);
}

// epoll keys its entries on the open file, not the fd number: were the listener closed before
// it was deregistered, a duplicate would keep the entry, and its events, alive after the
// acceptor died. The acceptor lives in storage the test keeps and fills with a pattern once it
// is destroyed, so any write the reactor makes through the dead entry shows, sanitizer or not.
TEST(AcceptorEpollTest, ADestroyedAcceptorGetsNoEventsThroughADuplicateOfItsListener) {
  // No interest bit set, so a stale event would only be marked in the batch, never called back.
  constexpr unsigned char kTombstone = 0xa8;
  Reactor reactor;
  const std::size_t handlers_before = reactor.active_handlers();
  int accepted = 0;
  alignas(Acceptor) unsigned char storage[sizeof(Acceptor)];
  auto* acceptor =
      new (storage) Acceptor(listen_tcp(loopback_any_port()), [&accepted](Socket) { ++accepted; });
  acceptor->start(reactor);
  const SocketAddress address = *acceptor->local_address();
  const Socket duplicate(::fcntl(acceptor->fd(), F_DUPFD_CLOEXEC, 0));
  ASSERT_TRUE(duplicate.valid());

  acceptor->~Acceptor();
  std::memset(storage, kTombstone, sizeof storage);
  const Socket client = connect_stream(address);  // the listener is still open through `duplicate`

  EXPECT_EQ(reactor.run_once(milliseconds(0)), 0);
  EXPECT_EQ(accepted, 0);
  EXPECT_EQ(reactor.active_handlers(), handlers_before);
  EXPECT_EQ(std::count(std::begin(storage), std::end(storage), kTombstone), sizeof storage)
      << "the reactor wrote into the destroyed acceptor";
}

TEST(AcceptorApiTest, HidesTheEventHandlerCallsThatWouldBypassItsPause) {
  static_assert(!testing::ExposesSetInterest<Acceptor>::value);
  static_assert(!testing::ExposesDisable<Acceptor>::value);
  static_assert(!testing::ExposesEnable<Acceptor>::value);
  static_assert(!testing::ExposesStartOnAnyFd<Acceptor>::value);
}

// Runs `body` in a forked child, so that process-wide changes (RLIMIT_NOFILE) stay there.
// Returns the child's report: empty for success, else what went wrong.
std::string run_in_child(const std::function<std::string()>& body) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return "pipe2 failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(report[0]);
    std::string failure;
    try {
      failure = body();
    } catch (const std::exception& e) {
      failure = std::string("exception: ") + e.what();
    }
    const ssize_t written = ::write(report[1], failure.data(), failure.size());
    ::_exit(written == static_cast<ssize_t>(failure.size()) ? 0 : 1);
  }
  ::close(report[1]);
  std::string failure;
  char chunk[256];
  ssize_t n;
  while ((n = ::read(report[0], chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) failure.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failure += " (child died abnormally)";
  return failure;
}

// Runs `reactor` until `done()` or until `window` of real time has passed; returns the
// iterations made.
int run_for(Reactor& reactor, milliseconds window, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + window;
  int iterations = 0;
  for (auto now = std::chrono::steady_clock::now(); now < deadline && !done();
       now = std::chrono::steady_clock::now()) {
    reactor.run_once(std::chrono::ceil<milliseconds>(deadline - now));
    ++iterations;
  }
  return iterations;
}

// A real epoll reactor in a process out of fds: the level-triggered listener stays readable,
// and without the pause every iteration would fail accept4 at once and start over.
std::string accept_while_out_of_fds() {
  FakeSyscalls counting;  // scripts nothing: counts the accept4 calls that reach the kernel
  ScopedSyscalls scope(counting);
  Reactor reactor;
  std::vector<Socket> accepted;
  Acceptor acceptor(listen_tcp(loopback_any_port()),
                    [&accepted](Socket socket) { accepted.push_back(std::move(socket)); });
  acceptor.start(reactor);
  std::vector<Socket> clients;
  for (int i = 0; i < 3; ++i)
    clients.push_back(connect_stream(*acceptor.local_address()));

  // Lower the fd limit to a little above what is in use, then use up the rest.
  const int lowest_free = ::fcntl(0, F_DUPFD_CLOEXEC, 0);
  if (lowest_free < 0) return "fcntl(F_DUPFD) failed";
  ::close(lowest_free);
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = static_cast<rlim_t>(lowest_free) + 8;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return "setrlimit failed";
  std::vector<Socket> fillers;
  for (int fd; (fd = ::fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0;)
    fillers.emplace_back(fd);
  if (errno != EMFILE) return "filling the fd table failed with errno " + std::to_string(errno);

  const int iterations = run_for(reactor, milliseconds(300), [] { return false; });
  const std::size_t calls = counting.calls(Call::kAccept4);
  if (!accepted.empty()) return "accepted a connection with no fd free";
  if (calls == 0) return "never tried to accept";
  if (calls >= 20 || iterations >= 40) {
    return "spun: " + std::to_string(calls) + " accept4 calls in " + std::to_string(iterations) +
           " iterations over 300 ms";
  }

  fillers.resize(fillers.size() - 2);  // two fds free: two of the three pending get in
  run_for(reactor, milliseconds(2000), [&accepted] { return accepted.size() == 2; });
  if (accepted.size() != 2) {
    return "accepted " + std::to_string(accepted.size()) + " after two fds were freed";
  }
  return "";
}

TEST(AcceptorFdExhaustionTest, DoesNotSpinAndAcceptsOnceFdsAreFree) {
  EXPECT_EQ(run_in_child(accept_while_out_of_fds), "");
}

}  // namespace
}  // namespace reactor
