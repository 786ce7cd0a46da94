// SignalHandler on a real epoll reactor, the SIGPIPE disposition a Reactor sets up, and what a
// child started with fork() and exec() inherits of both.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/signal_handler.h"
#include "reactor/core/signal_state.h"
#include "reactor/testing/socket_pair.h"
#include "test/support/handler_api.h"

namespace reactor::testing {
namespace {

// Records the signals it receives.
class RecordingSignalHandler final : public SignalHandler {
 public:
  using SignalHandler::SignalHandler;
  const std::vector<int>& received() const { return received_; }

 private:
  void on_signal(int signal_number) override { received_.push_back(signal_number); }
  std::vector<int> received_;
};

// Whether SIGPIPE was ignored when the process started, before any Reactor could change it.
const bool sigpipe_ignored_at_startup = [] {
  struct sigaction current {};
  return sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}();

// Iterates until `handler` has `count` signals or an iteration goes by with nothing to do
// for five seconds, so that a lost signal fails the test rather than hanging it.
void run_until_received(Reactor& reactor, const RecordingSignalHandler& handler,
                        std::size_t count) {
  while (handler.received().size() < count) {
    if (reactor.run_once(std::chrono::seconds(5)) == 0) return;
  }
}

TEST(SignalTest, RaisedSignalIsDeliveredAsACallback) {
  Reactor reactor;
  RecordingSignalHandler handler({SIGUSR1});
  handler.start(reactor);

  ASSERT_EQ(raise(SIGUSR1), 0);
  run_until_received(reactor, handler, 1);
  EXPECT_EQ(handler.received(), std::vector<int>{SIGUSR1});
}

TEST(SignalTest, SignalsSentToTheProcessAreDeliveredOnePerCallback) {
  Reactor reactor;
  RecordingSignalHandler handler({SIGUSR1, SIGUSR2});
  handler.start(reactor);

  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  EXPECT_EQ(reactor.run_once(std::chrono::seconds(5)), 1);
  EXPECT_EQ(handler.received().size(), 1u);
  run_until_received(reactor, handler, 2);

  // The kernel delivers pending standard signals lowest number first.
  EXPECT_EQ(handler.received(), (std::vector<int>{SIGUSR1, SIGUSR2}));
}

TEST(SignalTest, ACallbackSignalHandlerCallsItsFunctionWithTheSignal) {
  Reactor reactor;
  std::vector<int> received;
  CallbackSignalHandler handler({SIGUSR1, SIGUSR2},
                                [&](int signal_number) { received.push_back(signal_number); });
  handler.start(reactor);

  ASSERT_EQ(raise(SIGUSR2), 0);
  while (received.empty() && reactor.run_once(std::chrono::seconds(5)) != 0) {
  }
  EXPECT_EQ(received, std::vector<int>{SIGUSR2});
}

TEST(SignalTest, StoppedHandlerReceivesNothing) {
  Reactor reactor;
  RecordingSignalHandler handler({SIGUSR1});
  handler.start(reactor);
  handler.stop();

  ASSERT_EQ(raise(SIGUSR1), 0);
  reactor.run_once(std::chrono::milliseconds(0));
  EXPECT_TRUE(handler.received().empty());

  handler.start(reactor);  // the signal stayed pending on the signalfd
  run_until_received(reactor, handler, 1);
  EXPECT_EQ(handler.received(), std::vector<int>{SIGUSR1});
}

TEST(SignalTest, InvalidSignalNumberThrows) {
  EXPECT_THROW(RecordingSignalHandler({-1}), std::system_error);
  EXPECT_THROW(RecordingSignalHandler({SIGUSR1, 100000}), std::system_error);
}

TEST(SignalTest, WritingToAClosedPeerFailsWithEpipeInsteadOfKillingTheProcess) {
  Reactor reactor;  // sets SIGPIPE aside, as any reactor does
  SocketPair pair;
  pair.close_peer();

  const char byte = 'x';
  errno = 0;
  EXPECT_EQ(::write(pair.local(), &byte, 1), -1);
  EXPECT_EQ(errno, EPIPE);
}

TEST(SignalTest, OnlyTheHarmlessPartOfTheHandlerApiIsPublic) {
  static_assert(!ExposesSetInterest<RecordingSignalHandler>::value);
  static_assert(!ExposesEnable<RecordingSignalHandler>::value);
  static_assert(!ExposesDisable<RecordingSignalHandler>::value);
  static_assert(!ExposesStartOnAnyFd<RecordingSignalHandler>::value);
  static_assert(ExposesStop<RecordingSignalHandler>::value);
}

// The SigIgn and SigBlk masks of a child started with fork() and exec() of /bin/sh.
struct ChildSignals {
  std::uint64_t ignored = 0;
  std::uint64_t blocked = 0;
};

std::uint64_t bit(int signal_number) {
  return std::uint64_t{1} << (signal_number - 1);
}

// Runs /bin/sh, which execs grep on its own /proc/self/status; `in_child` runs between fork()
// and exec(). Bounded: a child that does not finish within five seconds is killed.
ChildSignals child_signals(void (*in_child)()) {
  int out[2];
  if (pipe(out) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    if (in_child != nullptr) in_child();
    execl("/bin/sh", "sh", "-c", "exec grep -E '^Sig(Ign|Blk):' /proc/self/status",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd readable{out[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    char buffer[256];
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;

  ChildSignals result;
  for (const auto& [name, mask] :
       {std::pair{"SigIgn:", &result.ignored}, std::pair{"SigBlk:", &result.blocked}}) {
    const auto at = text.find(name);
    EXPECT_NE(at, std::string::npos) << name << " missing from:\n" << text;
    if (at != std::string::npos) *mask = std::strtoull(text.c_str() + at + 7, nullptr, 16);
  }
  return result;
}

TEST(SignalTest, AChildStartedByForkAndExecKeepsWhatTheLibraryChangedUnlessRestored) {
  Reactor reactor;  // SIGPIPE ignored, unless the process had chosen a disposition itself
  RecordingSignalHandler handler({SIGUSR2});
  handler.start(reactor);

  const ChildSignals plain = child_signals(nullptr);
  EXPECT_TRUE(plain.ignored & bit(SIGPIPE)) << "a Reactor ignores SIGPIPE, and exec keeps that";
  EXPECT_TRUE(plain.blocked & bit(SIGUSR2)) << "the blocked mask survives exec";

  const ChildSignals restored = child_signals(restore_signals_for_exec);
  EXPECT_EQ((restored.ignored & bit(SIGPIPE)) != 0, sigpipe_ignored_at_startup)
      << "SIGPIPE must be back to its default only if the library changed it";
  EXPECT_FALSE(restored.blocked & bit(SIGUSR2));
}

TEST(SignalTest, RestoringForExecLeavesSignalsTheProcessBlockedItselfBlocked) {
  sigset_t own;
  sigemptyset(&own);
  sigaddset(&own, SIGWINCH);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &own, nullptr), 0);
  {
    RecordingSignalHandler handler({SIGWINCH});  // already blocked: nothing for the library to undo
  }
  const ChildSignals restored = child_signals(restore_signals_for_exec);
  EXPECT_TRUE(restored.blocked & bit(SIGWINCH));
  ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &own, nullptr), 0);
}

}  // namespace
}  // namespace reactor::testing
