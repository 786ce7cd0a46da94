// The Reactor's registration bookkeeping, destroy_later() and teardown, and the order in which
// the core's own handlers (the reactor's waker, SignalHandler) give up their fds.
#include "reactor/core/reactor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <map>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "reactor/core/signal_handler.h"
#include "reactor/core/timer.h"
#include "reactor/testing/fake_syscalls.h"
#include "test/unit/mock_reactor_test.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

using std::chrono::milliseconds;

using ReactorTest = MockReactorTest;

TEST_F(ReactorTest, StartsWithOnlyItsWakerRegistered) {
  EXPECT_EQ(reactor_.active_handlers(), 1u);
  EXPECT_EQ(poller_.watched_count(), 1u);
  EXPECT_EQ(reactor_.active_timers(), 0u);
  EXPECT_EQ(&reactor_.poller(), &poller_);
  EXPECT_EQ(&reactor_.clock(), &clock_);
}

TEST(ReactorDefaults, UsesEpollAndTheSteadyClock) {
  Reactor real;
  EXPECT_EQ(real.poller().name(), "epoll");
  EXPECT_EQ(&real.clock(), &SteadyClock::instance());
}

TEST_F(ReactorTest, StartRegistersTheFdWithItsInterest) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);

  EXPECT_TRUE(handler.active());
  EXPECT_EQ(handler.reactor(), &reactor_);
  EXPECT_EQ(handler.fd(), kFd);
  EXPECT_EQ(handler.interest(), kRead);
  EXPECT_TRUE(poller_.watching(kFd));
  EXPECT_EQ(poller_.interest(kFd), kRead);
  EXPECT_EQ(poller_.handler(kFd), &handler);
  EXPECT_EQ(reactor_.active_handlers(), 2u);
}

TEST_F(ReactorTest, SetInterestModifiesTheRegistration) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  const auto modifies = poller_.counters().modifies;

  handler.set_interest(kRead | kWrite);
  EXPECT_EQ(poller_.interest(kFd), kRead | kWrite);
  EXPECT_EQ(handler.interest(), kRead | kWrite);
  handler.disable(kRead);
  EXPECT_EQ(poller_.interest(kFd), kWrite);
  handler.enable(kRead);
  EXPECT_EQ(poller_.interest(kFd), kRead | kWrite);
  EXPECT_EQ(poller_.counters().modifies, modifies + 3);
}

TEST_F(ReactorTest, UnchangedInterestMakesNoPollerCall) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead | kWrite);
  const auto before = poller_.counters();

  handler.set_interest(kRead | kWrite);
  handler.enable(kRead);
  handler.disable(kNoInterest);

  EXPECT_EQ(poller_.counters().modifies, before.modifies);
  EXPECT_EQ(poller_.counters().adds, before.adds);
  EXPECT_EQ(poller_.counters().removes, before.removes);
}

TEST_F(ReactorTest, SetInterestOnAnInactiveHandlerDoesNothing) {
  // Owners update interest from paths that also run before start() or after stop() (a
  // Connection's send() before start()); start() is what gives an inactive handler its interest.
  RecordingHandler handler;
  EXPECT_NO_THROW(handler.set_interest(kRead | kWrite));
  handler.enable(kWrite);
  handler.disable(kRead);
  EXPECT_EQ(handler.interest(), kNoInterest);

  handler.start(reactor_, kFd, kRead);
  handler.stop();
  const auto before = poller_.counters();
  handler.set_interest(kWrite);
  handler.enable(kRead);
  EXPECT_EQ(handler.interest(), kNoInterest);
  EXPECT_EQ(poller_.counters().modifies, before.modifies);
  EXPECT_EQ(poller_.counters().adds, before.adds);
  EXPECT_FALSE(poller_.watching(kFd));

  handler.start(reactor_, kFd, kWrite);
  EXPECT_EQ(poller_.interest(kFd), kWrite);
  EXPECT_EQ(handler.interest(), kWrite);
}

TEST_F(ReactorTest, StartOnAnActiveHandlerReregisters) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  const auto before = poller_.counters();

  handler.start(reactor_, kOtherFd, kWrite);

  EXPECT_FALSE(poller_.watching(kFd));
  EXPECT_EQ(poller_.interest(kOtherFd), kWrite);
  EXPECT_EQ(poller_.handler(kOtherFd), &handler);
  EXPECT_EQ(handler.fd(), kOtherFd);
  EXPECT_EQ(poller_.counters().removes, before.removes + 1);
  EXPECT_EQ(poller_.counters().adds, before.adds + 1);
  EXPECT_EQ(reactor_.active_handlers(), 2u);
}

TEST_F(ReactorTest, StopIsIdempotent) {
  RecordingHandler never_started;
  never_started.stop();

  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  const auto removes = poller_.counters().removes;
  handler.stop();
  handler.stop();

  EXPECT_FALSE(handler.active());
  EXPECT_EQ(handler.reactor(), nullptr);
  EXPECT_EQ(handler.interest(), kNoInterest);
  EXPECT_FALSE(poller_.watching(kFd));
  EXPECT_EQ(poller_.counters().removes, removes + 1);
  EXPECT_EQ(reactor_.active_handlers(), 1u);
}

TEST_F(ReactorTest, FailedRegistrationThrowsAndLeavesTheHandlerInactive) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  poller_.fail_next_registration(EMFILE);

  try {
    handler.start(reactor_, kOtherFd, kRead);
    FAIL() << "start() should have thrown";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), EMFILE);
  }
  EXPECT_FALSE(handler.active());
  EXPECT_FALSE(poller_.watching(kFd));
  EXPECT_FALSE(poller_.watching(kOtherFd));
  EXPECT_EQ(reactor_.active_handlers(), 1u);

  // Nothing is left half-registered: the handler starts cleanly afterwards.
  handler.start(reactor_, kOtherFd, kRead);
  EXPECT_TRUE(handler.active());
}

TEST_F(ReactorTest, FailedInterestChangeThrowsAndKeepsTheOldInterest) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  poller_.fail_next_registration(ENOMEM);

  EXPECT_THROW(handler.set_interest(kWrite), std::system_error);
  EXPECT_TRUE(handler.active());
  EXPECT_EQ(handler.interest(), kRead);
  EXPECT_EQ(poller_.interest(kFd), kRead);
}

TEST_F(ReactorTest, DestroyingAnActiveHandlerDeregistersIt) {
  {
    RecordingHandler handler;
    handler.start(reactor_, kFd, kRead);
  }
  EXPECT_FALSE(poller_.watching(kFd));
  EXPECT_EQ(reactor_.active_handlers(), 1u);
}

TEST_F(ReactorTest, DestroyLaterDeletesAfterTheIteration) {
  RecordingHandler::Counts counts;
  auto* handler = new RecordingHandler(counts);
  handler->start(reactor_, kFd, kRead);
  bool alive_when_timer_fired = false;
  handler->when_readable([&] { reactor_.destroy_later(std::unique_ptr<EventHandler>(handler)); });
  // Timers fire after dispatch, within the same iteration.
  CallbackTimer timer([&] { alive_when_timer_fired = !counts.destroyed; });
  timer.start(reactor_, milliseconds(0));
  poller_.inject(kFd, kReadable);

  run_once();

  EXPECT_EQ(counts.readable, 1);
  EXPECT_TRUE(alive_when_timer_fired);
  EXPECT_TRUE(counts.destroyed);
  EXPECT_FALSE(poller_.watching(kFd));
}

TEST_F(ReactorTest, TellsWhetherItIsMakingCallbacks) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  bool in_handler = false;
  bool in_timer = false;
  bool in_task = false;
  handler.when_readable([&] { in_handler = reactor_.dispatching(); });
  CallbackTimer timer([&] { in_timer = reactor_.dispatching(); });
  timer.start(reactor_, milliseconds(0));
  reactor_.post([&] { in_task = reactor_.dispatching(); });
  poller_.inject(kFd, kReadable);
  EXPECT_FALSE(reactor_.dispatching());

  run_once();

  EXPECT_TRUE(in_handler);
  EXPECT_TRUE(in_timer);
  EXPECT_TRUE(in_task);
  EXPECT_FALSE(reactor_.dispatching());
}

TEST(ReactorTeardown, DestroyingTheReactorLeavesHandlersAndTimersInactiveAndDropsPostedWork) {
  ManualClock clock;
  auto reactor = std::make_unique<Reactor>(std::make_unique<MockPoller>(), clock);
  RecordingHandler handler;
  handler.start(*reactor, 1000, kRead);
  CallbackTimer timer([] {});
  timer.start(*reactor, milliseconds(10));
  auto captured = std::make_shared<int>(0);
  bool ran = false;
  reactor->post([captured, &ran] { ran = true; });
  RecordingHandler::Counts retired_counts;
  reactor->destroy_later(std::make_unique<RecordingHandler>(retired_counts));
  ASSERT_EQ(captured.use_count(), 2);

  reactor.reset();

  EXPECT_FALSE(handler.active());
  EXPECT_EQ(handler.reactor(), nullptr);
  EXPECT_FALSE(timer.active());
  EXPECT_FALSE(ran);
  EXPECT_EQ(captured.use_count(), 1) << "the unrun task was not destroyed";
  EXPECT_TRUE(retired_counts.destroyed);
  // The handler and timer are destroyed after the reactor at the end of this scope; stopping
  // them again is harmless.
  handler.stop();
  timer.stop();
}

// Records, for each fd closed through the syscall seam, how many epoll_ctl calls named it before:
// a handler that deregisters before closing shows two (EPOLL_CTL_ADD, EPOLL_CTL_DEL).
class FdCloseOrderTest : public ::testing::Test {
 protected:
  FdCloseOrderTest() {
    fake_.on_call(FakeSyscalls::Call::kEpollCtl, [this](int fd) { ++controls_[fd]; });
    fake_.on_call(FakeSyscalls::Call::kClose,
                  [this](int fd) { closed_.emplace_back(fd, controls_[fd]); });
  }

  FakeSyscalls fake_;
  ScopedSyscalls scoped_{fake_};
  std::map<int, int> controls_;
  std::vector<std::pair<int, int>> closed_;  // (fd, epoll_ctl calls on it before the close)
};

TEST_F(FdCloseOrderTest, TheReactorsWakerDeregistersItsEventfdBeforeClosingIt) {
  { Reactor reactor; }
  ASSERT_EQ(closed_.size(), 1u);
  EXPECT_EQ(closed_[0].second, 2);
}

TEST_F(FdCloseOrderTest, ASignalHandlerDeregistersItsSignalfdBeforeClosingIt) {
  class Ignoring final : public SignalHandler {
   public:
    Ignoring() : SignalHandler({SIGUSR1}) {}

   private:
    void on_signal(int) override {}
  };
  Reactor reactor;
  auto handler = std::make_unique<Ignoring>();
  handler->start(reactor);
  const int fd = handler->fd();
  handler.reset();
  EXPECT_EQ(closed_, (std::vector<std::pair<int, int>>{{fd, 2}}));
}

}  // namespace
}  // namespace reactor::testing
