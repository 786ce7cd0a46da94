// SignalHandler on a real epoll reactor, and the SIGPIPE disposition a Reactor sets up.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/signal_handler.h"
#include "test/support/socket_pair.h"

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

}  // namespace
}  // namespace reactor::testing
