// Reactor::run_after() and run_every() on a ManualClock: firing, cancelling through the handle
// from every point of a timer's life (inside its callback, after it fired, twice, after the
// reactor died), callbacks that schedule or throw, and reuse of the owned timers' slots.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "reactor/core/owned_timers.h"
#include "reactor/core/reactor.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "test/unit/mock_reactor_test.h"

namespace reactor::testing {
namespace {

using std::chrono::milliseconds;

using OwnedTimerTest = MockReactorTest;

TEST_F(OwnedTimerTest, RunAfterFiresOnceAfterTheDelay) {
  int fired = 0;
  const TimerHandle handle = reactor_.run_after(milliseconds(10), [&] { ++fired; });
  EXPECT_TRUE(handle.pending());
  EXPECT_EQ(reactor_.active_timers(), 1u);

  run_after(milliseconds(9));
  EXPECT_EQ(fired, 0);
  run_after(milliseconds(1));
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(handle.pending());
  EXPECT_EQ(reactor_.active_timers(), 0u);
  run_after(milliseconds(100));
  EXPECT_EQ(fired, 1);
}

TEST_F(OwnedTimerTest, RunEveryRepeatsUntilCancelled) {
  int fired = 0;
  TimerHandle handle = reactor_.run_every(milliseconds(5), [&] { ++fired; });
  run_after(milliseconds(5));
  run_after(milliseconds(5));
  run_after(milliseconds(5));
  EXPECT_EQ(fired, 3);
  EXPECT_TRUE(handle.pending());

  handle.cancel();
  EXPECT_FALSE(handle.pending());
  EXPECT_EQ(reactor_.active_timers(), 0u);
  run_after(milliseconds(50));
  EXPECT_EQ(fired, 3);
}

TEST_F(OwnedTimerTest, RunEveryRejectsAnIntervalThatIsNotPositive) {
  EXPECT_THROW(reactor_.run_every(milliseconds(0), [] {}), std::invalid_argument);
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(OwnedTimerTest, ARepeatingTimerCancelledInsideItsOwnCallbackFiresNoMore) {
  int fired = 0;
  TimerHandle handle;
  handle = reactor_.run_every(milliseconds(5), [&] {
    ++fired;
    handle.cancel();
    EXPECT_FALSE(handle.pending());
    handle.cancel();  // twice, still inside
  });
  run_after(milliseconds(5));
  run_after(milliseconds(5));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(OwnedTimerTest, AOneShotTimerCancelledInsideItsOwnCallbackIsReleasedOnce) {
  auto token = std::make_shared<int>(0);
  TimerHandle handle;
  handle = reactor_.run_after(milliseconds(1), [&handle, token] {
    EXPECT_FALSE(handle.pending());
    handle.cancel();
  });
  token.reset();  // the capture now holds the only reference
  run_after(milliseconds(1));
  EXPECT_FALSE(handle.pending());
}

TEST_F(OwnedTimerTest, CancellingAfterItFiredOrTwiceDoesNothingToTheTimerInTheSameSlot) {
  int first = 0;
  TimerHandle old = reactor_.run_after(milliseconds(1), [&] { ++first; });
  run_after(milliseconds(1));
  EXPECT_EQ(first, 1);

  // The next timer reuses the slot the first one freed; the old handle must not reach it.
  int second = 0;
  const TimerHandle current = reactor_.run_after(milliseconds(1), [&] { ++second; });
  old.cancel();
  old.cancel();
  EXPECT_TRUE(current.pending());
  run_after(milliseconds(1));
  EXPECT_EQ(second, 1);
}

TEST_F(OwnedTimerTest, CopiesOfAHandleNameTheSameTimer) {
  int fired = 0;
  const TimerHandle handle = reactor_.run_after(milliseconds(1), [&] { ++fired; });
  TimerHandle copy = handle;
  copy.cancel();
  EXPECT_FALSE(handle.pending());
  run_after(milliseconds(1));
  EXPECT_EQ(fired, 0);
}

TEST_F(OwnedTimerTest, ADefaultHandleNamesNoTimer) {
  TimerHandle handle;
  EXPECT_FALSE(handle.pending());
  handle.cancel();
}

TEST_F(OwnedTimerTest, CancellingDestroysTheFunctionAtOnce) {
  auto token = std::make_shared<int>(0);
  TimerHandle handle = reactor_.run_after(milliseconds(1), [token] {});
  EXPECT_EQ(token.use_count(), 2);
  handle.cancel();
  EXPECT_EQ(token.use_count(), 1);
}

TEST_F(OwnedTimerTest, ACallbackMayScheduleAnotherThatFiresOnALaterTick) {
  std::vector<int> order;
  reactor_.run_after(milliseconds(1), [&] {
    order.push_back(1);
    reactor_.run_after(milliseconds(0), [&] { order.push_back(2); });
  });
  run_after(milliseconds(1));
  EXPECT_EQ(order, std::vector<int>{1});
  run_once();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST_F(OwnedTimerTest, AThrowingOneShotTimerIsReleasedAndARepeatingOneStaysScheduled) {
  auto token = std::make_shared<int>(0);
  const TimerHandle once =
      reactor_.run_after(milliseconds(1), [token] { throw std::runtime_error("once"); });
  int repeats = 0;
  const TimerHandle every = reactor_.run_every(milliseconds(2), [&] {
    ++repeats;
    throw std::runtime_error("every");
  });

  clock_.advance(milliseconds(1));
  EXPECT_THROW(run_once(), std::runtime_error);
  EXPECT_FALSE(once.pending());
  EXPECT_EQ(token.use_count(), 1);  // the one-shot's function is gone

  clock_.advance(milliseconds(1));
  EXPECT_THROW(run_once(), std::runtime_error);
  EXPECT_TRUE(every.pending());
  clock_.advance(milliseconds(2));
  EXPECT_THROW(run_once(), std::runtime_error);
  EXPECT_EQ(repeats, 2);
  EXPECT_EQ(reactor_.active_timers(), 1u);
}

TEST(OwnedTimerLifetimeTest, AHandleOutlivingItsReactorCancelsNothing) {
  ManualClock clock;
  auto token = std::make_shared<int>(0);
  TimerHandle handle;
  {
    Reactor reactor(std::make_unique<MockPoller>(), clock);
    handle = reactor.run_every(milliseconds(1), [token] {});
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_EQ(token.use_count(), 1);  // destroyed unrun with the reactor
  EXPECT_FALSE(handle.pending());
  handle.cancel();
}

TEST(OwnedTimerLifetimeTest, ACapturedHandleCancelledAsTheReactorDestroysItsTimerIsSafe) {
  ManualClock clock;
  struct CancelOnDestruction {
    std::shared_ptr<TimerHandle> handle = std::make_shared<TimerHandle>();
    ~CancelOnDestruction() { handle->cancel(); }
  };
  auto reactor = std::make_unique<Reactor>(std::make_unique<MockPoller>(), clock);
  auto guard = std::make_shared<CancelOnDestruction>();
  const std::shared_ptr<TimerHandle> handle = guard->handle;
  *handle = reactor->run_after(milliseconds(1), [guard] {});
  guard.reset();
  reactor.reset();
  EXPECT_FALSE(handle->pending());
}

}  // namespace
}  // namespace reactor::testing
