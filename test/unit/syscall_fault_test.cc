// Faults injected through the Syscalls seam with FakeSyscalls: the fake itself, and how the
// pollers and the loop survive an interrupted wait.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/poller/make_poller.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/socket_pair.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

using Call = FakeSyscalls::Call;
using Outcome = FakeSyscalls::Outcome;

class FakeSyscallsTest : public ::testing::Test {
 protected:
  // Reads what is waiting on the local end of `pair`, through the real kernel.
  std::string drain_local() {
    char buf[64];
    const ssize_t n = ::read(pair_.local(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

  FakeSyscalls fake_;
  ScopedSyscalls scoped_{fake_};
  SocketPair pair_;
};

TEST_F(FakeSyscallsTest, ForwardsUnscriptedCallsToTheKernel) {
  ASSERT_EQ(sys().write(pair_.peer(), "hello", 5), 5);
  char buf[8];
  ASSERT_EQ(sys().read(pair_.local(), buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(fake_.calls(Call::kWrite), 1u);
  EXPECT_EQ(fake_.calls(Call::kRead), 1u);
}

TEST_F(FakeSyscallsTest, ScriptedFailureSetsErrnoWithoutReachingTheKernel) {
  fake_.script(Call::kWrite, Outcome::fail(EAGAIN), FakeSyscalls::kAnyFd, 2);
  EXPECT_EQ(fake_.scripted(Call::kWrite), 2u);

  for (int i = 0; i < 2; ++i) {
    errno = 0;
    EXPECT_EQ(sys().write(pair_.peer(), "x", 1), -1);
    EXPECT_EQ(errno, EAGAIN);
  }
  EXPECT_EQ(drain_local(), "") << "a failed write must not have written";
  EXPECT_EQ(fake_.scripted(Call::kWrite), 0u);
  EXPECT_EQ(sys().write(pair_.peer(), "y", 1), 1);
  EXPECT_EQ(drain_local(), "y");
}

TEST_F(FakeSyscallsTest, ScriptForOneFdLeavesOtherFdsAlone) {
  SocketPair other;
  fake_.script(Call::kWrite, Outcome::fail(ECONNRESET), pair_.peer());

  EXPECT_EQ(sys().write(other.peer(), "a", 1), 1);
  errno = 0;
  EXPECT_EQ(sys().write(pair_.peer(), "b", 1), -1);
  EXPECT_EQ(errno, ECONNRESET);
  EXPECT_EQ(sys().write(pair_.peer(), "c", 1), 1);
}

TEST_F(FakeSyscallsTest, ScriptsAreConsumedInOrder) {
  fake_.script(Call::kWrite, Outcome::fail(EINTR));
  fake_.script(Call::kWrite, Outcome::at_most(2));

  errno = 0;
  EXPECT_EQ(sys().write(pair_.peer(), "abcd", 4), -1);
  EXPECT_EQ(errno, EINTR);
  EXPECT_EQ(sys().write(pair_.peer(), "abcd", 4), 2);
  EXPECT_EQ(sys().write(pair_.peer(), "cd", 2), 2);
  EXPECT_EQ(drain_local(), "abcd");
}

TEST_F(FakeSyscallsTest, AtMostMakesShortTransfersOnEveryCallThatMovesBytes) {
  fake_.script(Call::kSend, Outcome::at_most(4));
  EXPECT_EQ(sys().send(pair_.peer(), "abcdef", 6, MSG_NOSIGNAL), 4);
  EXPECT_EQ(drain_local(), "abcd");

  ASSERT_EQ(::write(pair_.peer(), "ghijkl", 6), 6);
  fake_.script(Call::kRecv, Outcome::at_most(5));
  char into[8] = {};
  EXPECT_EQ(sys().recv(pair_.local(), into, sizeof into, 0), 5);
  EXPECT_EQ(std::string(into, 5), "ghijk");

  fake_.script(Call::kRead, Outcome::at_most(0));
  char c;
  EXPECT_EQ(sys().read(pair_.local(), &c, 1), 0);
  EXPECT_EQ(drain_local(), "l");
  EXPECT_EQ(fake_.calls(Call::kSend), 1u);
  EXPECT_EQ(fake_.calls(Call::kRecv), 1u);
}

TEST_F(FakeSyscallsTest, ScriptedSocketFailureSetsErrnoWithoutReachingTheKernel) {
  fake_.script(Call::kSend, Outcome::fail(EPIPE), pair_.peer());
  fake_.script(Call::kRecv, Outcome::fail(ECONNRESET), pair_.local());
  errno = 0;
  EXPECT_EQ(sys().send(pair_.peer(), "x", 1, MSG_NOSIGNAL), -1);
  EXPECT_EQ(errno, EPIPE);
  ASSERT_EQ(::write(pair_.peer(), "y", 1), 1);
  char into[4];
  errno = 0;
  EXPECT_EQ(sys().recv(pair_.local(), into, sizeof into, 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
  EXPECT_EQ(drain_local(), "y") << "a failed send must not have sent, a failed recv not taken";
}

TEST_F(FakeSyscallsTest, AtMostIsRefusedForCallsThatMoveNoBytes) {
  EXPECT_THROW(fake_.script(Call::kAccept4, Outcome::at_most(1)), std::invalid_argument);
  EXPECT_THROW(fake_.script(Call::kEpollWait, Outcome::at_most(1)), std::invalid_argument);
}

TEST_F(FakeSyscallsTest, HookSeesEveryCallBeforeItsScript) {
  std::vector<int> seen;
  fake_.on_call(Call::kClose, [&](int fd) { seen.push_back(fd); });
  fake_.script(Call::kClose, Outcome::fail(EINTR));

  EXPECT_EQ(sys().close(-5), -1);
  EXPECT_EQ(errno, EINTR);
  EXPECT_EQ(sys().close(-6), -1);
  EXPECT_EQ(errno, EBADF) << "the kernel answered the unscripted call";
  EXPECT_EQ(seen, (std::vector<int>{-5, -6}));

  fake_.on_call(Call::kClose, nullptr);
  sys().close(-7);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(FakeSyscallsTest, ReplacementsNestAndRemovingOneRestoresThePrevious) {
  {
    FakeSyscalls inner;
    ScopedSyscalls nested(inner);
    sys().close(-5);
    EXPECT_EQ(inner.calls(Call::kClose), 1u);
    EXPECT_EQ(fake_.calls(Call::kClose), 0u);
  }
  sys().close(-6);
  EXPECT_EQ(fake_.calls(Call::kClose), 1u);
}

TEST(SyscallSeamTest, WithoutAReplacementTheKernelAnswers) {
  SocketPair pair;
  ASSERT_EQ(sys().send(pair.peer(), "ping", 4, MSG_NOSIGNAL), 4);
  char buf[8];
  ASSERT_EQ(sys().recv(pair.local(), buf, sizeof buf, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  errno = 0;
  EXPECT_EQ(sys().close(-1), -1);
  EXPECT_EQ(errno, EBADF);
}

class InterruptedWaitTest : public ::testing::TestWithParam<const char*> {
 protected:
  Call wait_call() const {
    return std::string(GetParam()) == "epoll" ? Call::kEpollWait : Call::kPoll;
  }

  FakeSyscalls fake_;
  ScopedSyscalls scoped_{fake_};
  SocketPair pair_;
};

TEST_P(InterruptedWaitTest, YieldsAnEmptyBatch) {
  auto poller = make_poller(GetParam());
  RecordingHandler token;
  poller->add(pair_.local(), kRead, &token);
  pair_.send_to_local();
  fake_.script(wait_call(), Outcome::fail(EINTR));

  std::vector<Poller::Event> events;
  poller->wait(0, events);
  EXPECT_TRUE(events.empty());
  poller->wait(0, events);
  EXPECT_EQ(events.size(), 1u) << "the next wait reports the fd again";
}

TEST_P(InterruptedWaitTest, LoopContinuesAfterAnInterruptedWait) {
  Reactor reactor(make_poller(GetParam()));
  RecordingHandler handler;
  handler.start(reactor, pair_.local(), kRead);
  handler.when_readable([&] { reactor.stop(); });
  pair_.send_to_local();
  fake_.script(wait_call(), Outcome::fail(EINTR), FakeSyscalls::kAnyFd, 3);

  reactor.run();  // returns only once the handler has been reached
  EXPECT_EQ(handler.readable(), 1);
  EXPECT_EQ(fake_.scripted(wait_call()), 0u);
  EXPECT_GE(fake_.calls(wait_call()), 4u);
}

INSTANTIATE_TEST_SUITE_P(KernelPollers, InterruptedWaitTest, ::testing::Values("epoll", "poll"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           return std::string(param.param);
                         });

}  // namespace
}  // namespace reactor::testing
