// TimerHandler and TimerQueue on a ManualClock: firing, ordering, rescheduling, and the wait
// timeout they impose on the poller.
#include "reactor/core/timer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "test/unit/mock_reactor_test.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// A timer that counts its firings.
class CountingTimer final : public TimerHandler {
 public:
  int fired() const { return fired_; }

 private:
  void on_timer() override { ++fired_; }
  int fired_ = 0;
};

using TimerTest = MockReactorTest;

TEST_F(TimerTest, OneShotFiresOnceAtItsDeadline) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(10));
  EXPECT_TRUE(timer.active());
  EXPECT_EQ(timer.deadline(), clock_.now() + milliseconds(10));
  EXPECT_EQ(reactor_.active_timers(), 1u);

  run_once();
  run_after(milliseconds(9));
  EXPECT_EQ(timer.fired(), 0);
  EXPECT_EQ(run_after(milliseconds(1)), 1);
  EXPECT_EQ(timer.fired(), 1);
  EXPECT_FALSE(timer.active());
  EXPECT_EQ(reactor_.active_timers(), 0u);
  run_after(hours(1));
  EXPECT_EQ(timer.fired(), 1);
}

TEST_F(TimerTest, RepeatingFiresEveryIntervalUntilStopped) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(5), milliseconds(10));
  EXPECT_EQ(timer.interval(), milliseconds(10));

  run_after(milliseconds(5));
  EXPECT_EQ(timer.fired(), 1);
  run_after(milliseconds(9));
  EXPECT_EQ(timer.fired(), 1);
  run_after(milliseconds(1));
  EXPECT_EQ(timer.fired(), 2);
  run_after(milliseconds(10));
  EXPECT_EQ(timer.fired(), 3);
  EXPECT_TRUE(timer.active());

  timer.stop();
  EXPECT_FALSE(timer.active());
  run_after(milliseconds(100));
  EXPECT_EQ(timer.fired(), 3);
}

TEST_F(TimerTest, StoppedTimerDoesNotFireAndStopIsIdempotent) {
  CountingTimer never_started;
  never_started.stop();

  CountingTimer timer;
  timer.start(reactor_, milliseconds(10));
  timer.stop();
  timer.stop();
  run_after(milliseconds(20));
  EXPECT_EQ(timer.fired(), 0);
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(TimerTest, RestartReschedulesFromNowWithTheSameDelay) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(10));
  clock_.advance(milliseconds(6));
  timer.restart();
  EXPECT_EQ(reactor_.active_timers(), 1u);

  run_after(milliseconds(4));  // the original deadline
  EXPECT_EQ(timer.fired(), 0);
  run_after(milliseconds(6));
  EXPECT_EQ(timer.fired(), 1);

  timer.restart();  // a fired one-shot can be restarted too
  run_after(milliseconds(10));
  EXPECT_EQ(timer.fired(), 2);
}

// A reactor of its own, so that a test can destroy it before the timers that used it.
std::unique_ptr<Reactor> make_reactor(const Clock& clock) {
  return std::make_unique<Reactor>(std::make_unique<MockPoller>(), clock);
}

TEST(TimerReactorLifetime, RestartAfterItsReactorIsDestroyedDoesNothing) {
  ManualClock clock;
  auto reactor = make_reactor(clock);
  CountingTimer queued;
  CountingTimer stopped;
  CountingTimer fired;
  CountingTimer never_started;
  queued.start(*reactor, milliseconds(50));
  stopped.start(*reactor, milliseconds(50));
  stopped.stop();
  fired.start(*reactor, milliseconds(0));
  reactor->run_once(milliseconds(0));
  ASSERT_EQ(fired.fired(), 1);

  reactor.reset();

  // Under ASan, reaching the destroyed reactor here is a use-after-free report.
  for (CountingTimer* timer : {&queued, &stopped, &fired, &never_started}) {
    timer->restart();
    EXPECT_FALSE(timer->active());
    timer->stop();
  }
}

TEST(TimerReactorLifetime, ATimerDestroyedBeforeItsReactorIsForgottenByIt) {
  ManualClock clock;
  auto reactor = make_reactor(clock);
  CountingTimer survivor;
  survivor.start(*reactor, milliseconds(10));
  survivor.stop();
  for (int i = 0; i < 3; ++i) {
    CountingTimer short_lived;
    short_lived.start(*reactor, milliseconds(10));
    if (i == 1) short_lived.stop();
  }
  reactor.reset();  // under ASan, touching a destroyed timer here is reported
  survivor.restart();
  EXPECT_FALSE(survivor.active());
}

TEST(TimerReactorLifetime, StartOnAnotherReactorMovesTheTimerThere) {
  ManualClock clock;
  auto first = make_reactor(clock);
  auto second = make_reactor(clock);
  CountingTimer timer;
  timer.start(*first, milliseconds(10));
  timer.start(*second, milliseconds(10));
  EXPECT_EQ(first->active_timers(), 0u);

  first.reset();
  EXPECT_TRUE(timer.active());
  timer.stop();
  timer.restart();
  EXPECT_EQ(second->active_timers(), 1u);
  clock.advance(milliseconds(10));
  second->run_once(milliseconds(0));
  EXPECT_EQ(timer.fired(), 1);
}

TEST_F(TimerTest, StartOnAnActiveTimerReschedulesIt) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(10));
  timer.start(reactor_, milliseconds(30));
  EXPECT_EQ(reactor_.active_timers(), 1u);
  run_after(milliseconds(10));
  EXPECT_EQ(timer.fired(), 0);
  run_after(milliseconds(20));
  EXPECT_EQ(timer.fired(), 1);
}

TEST_F(TimerTest, NegativeDelayCountsAsZero) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(-50));
  EXPECT_EQ(timer.deadline(), clock_.now());
  run_once();
  EXPECT_EQ(timer.fired(), 1);
}

TEST_F(TimerTest, TiesFireInStartOrder) {
  std::string order;
  CallbackTimer a([&] { order += 'a'; });
  CallbackTimer b([&] { order += 'b'; });
  CallbackTimer c([&] { order += 'c'; });
  b.start(reactor_, milliseconds(10));
  a.start(reactor_, milliseconds(10));
  c.start(reactor_, milliseconds(10));
  b.start(reactor_, milliseconds(10));  // restarting moves b behind the others

  run_after(milliseconds(10));
  EXPECT_EQ(order, "acb");
}

TEST_F(TimerTest, TimerStoppedByAnEarlierTimerInTheSameTickDoesNotFire) {
  CountingTimer victim;
  CallbackTimer killer([&] { victim.stop(); });
  killer.start(reactor_, milliseconds(5));
  victim.start(reactor_, milliseconds(5));

  run_after(milliseconds(5));
  EXPECT_EQ(victim.fired(), 0);
  EXPECT_FALSE(victim.active());
}

TEST_F(TimerTest, TimerDestroyedByAnEarlierTimerInTheSameTickDoesNotFire) {
  auto victim = std::make_unique<CountingTimer>();
  CallbackTimer killer([&] { victim.reset(); });
  killer.start(reactor_, milliseconds(5));
  victim->start(reactor_, milliseconds(7));

  run_after(milliseconds(10));  // both due
  EXPECT_EQ(victim, nullptr);
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(TimerTest, RepeatingTimerMayDeleteItselfInItsCallback) {
  class SelfDeletingTimer final : public TimerHandler {
   public:
    explicit SelfDeletingTimer(int& fired) : fired_(fired) {}

   private:
    void on_timer() override {
      ++fired_;
      delete this;
    }
    int& fired_;
  };
  int fired = 0;
  (new SelfDeletingTimer(fired))->start(reactor_, milliseconds(5), milliseconds(5));

  run_after(milliseconds(5));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(reactor_.active_timers(), 0u);
  run_after(milliseconds(5));
  EXPECT_EQ(fired, 1);
}

TEST_F(TimerTest, TimerRestartingItselfWithZeroDelayFiresOncePerTick) {
  constexpr int kMaxFirings = 100;  // bounds the test if the loop fails to break the cycle
  int fired = 0;
  CallbackTimer timer([&] {
    if (++fired < kMaxFirings) timer.start(reactor_, milliseconds(0));
  });
  timer.start(reactor_, milliseconds(0));

  EXPECT_EQ(run_once(), 1);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(run_once(), 1);
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(poller_.last_timeout_ms(), 0) << "a due timer must not let the loop block";
}

TEST_F(TimerTest, TimerStartedByATimerCallbackWaitsForTheNextTick) {
  CountingTimer started_late;
  CallbackTimer starter([&] { started_late.start(reactor_, milliseconds(0)); });
  starter.start(reactor_, milliseconds(0));

  run_once();
  EXPECT_EQ(started_late.fired(), 0);
  run_once();
  EXPECT_EQ(started_late.fired(), 1);
}

TEST_F(TimerTest, RepeatingTimerThatFellBehindSkipsMissedTicks) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(10), milliseconds(10));
  const auto started = clock_.now();

  run_after(milliseconds(35));  // three deadlines passed: 10, 20, 30
  EXPECT_EQ(timer.fired(), 1);
  EXPECT_EQ(timer.deadline(), started + milliseconds(45));
  run_once();
  EXPECT_EQ(timer.fired(), 1);
  run_after(milliseconds(9));
  EXPECT_EQ(timer.fired(), 1);
  run_after(milliseconds(1));
  EXPECT_EQ(timer.fired(), 2);
}

TEST_F(TimerTest, RepeatingTimerOnScheduleKeepsItsPhase) {
  CountingTimer timer;
  timer.start(reactor_, milliseconds(10), milliseconds(10));
  const auto started = clock_.now();
  run_after(milliseconds(13));  // late, but the next deadline has not passed
  EXPECT_EQ(timer.fired(), 1);
  EXPECT_EQ(timer.deadline(), started + milliseconds(20));
}

TEST_F(TimerTest, WaitTimeoutFollowsTheNextDeadlineRoundedUp) {
  reactor_.run_once();
  EXPECT_EQ(poller_.last_timeout_ms(), -1) << "no timer: wait without limit";

  reactor_.run_once(milliseconds(7));
  EXPECT_EQ(poller_.last_timeout_ms(), 7);

  CountingTimer timer;
  timer.start(reactor_, microseconds(1500));
  reactor_.run_once();
  EXPECT_EQ(poller_.last_timeout_ms(), 2);
  reactor_.run_once(milliseconds(1));
  EXPECT_EQ(poller_.last_timeout_ms(), 1) << "a shorter requested timeout wins";

  clock_.advance(microseconds(1499));
  reactor_.run_once();
  EXPECT_EQ(poller_.last_timeout_ms(), 1) << "one microsecond left still waits a millisecond";
  EXPECT_EQ(timer.fired(), 0);

  clock_.advance(milliseconds(5));
  reactor_.run_once();
  EXPECT_EQ(poller_.last_timeout_ms(), 0) << "an overdue timer must not block";
  EXPECT_EQ(timer.fired(), 1);
}

TEST_F(TimerTest, WaitTimeoutOfAFarDeadlineIsClamped) {
  CountingTimer timer;
  timer.start(reactor_, hours(24 * 365));
  reactor_.run_once();
  EXPECT_EQ(poller_.last_timeout_ms(), INT_MAX);
}

TEST_F(TimerTest, ManyTimersStartedAndStoppedInRandomOrderFireInDeadlineOrder) {
  constexpr int kTimers = 12'000;
  std::mt19937 random(20240611);
  std::vector<int> fired;
  std::vector<std::unique_ptr<CallbackTimer>> timers;
  for (int i = 0; i < kTimers; ++i) {
    timers.push_back(std::make_unique<CallbackTimer>([&fired, i] { fired.push_back(i); }));
  }
  // Start in a shuffled order, with delays drawn from a small range so that ties are common.
  std::vector<int> order(kTimers);
  for (int i = 0; i < kTimers; ++i)
    order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), random);
  std::uniform_int_distribution<int> delay_ms(0, 999);
  // Expected firing order: (deadline, start sequence) for every timer still active at the end.
  std::vector<std::pair<TimerHandler::time_point, long>> key(kTimers);
  long sequence = 0;
  auto start = [&](int i) {
    timers[static_cast<std::size_t>(i)]->start(reactor_, milliseconds(delay_ms(random)));
    key[static_cast<std::size_t>(i)] = {timers[static_cast<std::size_t>(i)]->deadline(),
                                        sequence++};
  };
  for (int i : order)
    start(i);
  // Stop a third, restart (with a new delay) another third, in random order.
  std::shuffle(order.begin(), order.end(), random);
  std::vector<bool> stopped(kTimers, false);
  for (std::size_t n = 0; n < order.size(); ++n) {
    const int i = order[n];
    if (n % 3 == 0) {
      timers[static_cast<std::size_t>(i)]->stop();
      stopped[static_cast<std::size_t>(i)] = true;
    } else if (n % 3 == 1) {
      start(i);
    }
  }
  std::vector<int> expected;
  for (int i = 0; i < kTimers; ++i) {
    if (!stopped[static_cast<std::size_t>(i)]) expected.push_back(i);
  }
  std::sort(expected.begin(), expected.end(), [&](int a, int b) {
    return key[static_cast<std::size_t>(a)] < key[static_cast<std::size_t>(b)];
  });
  ASSERT_EQ(reactor_.active_timers(), expected.size());

  for (int step = 0; step < 100; ++step)
    run_after(milliseconds(10));

  EXPECT_EQ(fired, expected);
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(TimerTest, TimerOwnedByADestroyedHandlerNeverFires) {
  // A handler that owns a timer, as a connection owns its idle timeout.
  class TimedHandler final : public RecordingHandler {
   public:
    explicit TimedHandler(bool& timer_fired) : timer_([&timer_fired] { timer_fired = true; }) {}
    CallbackTimer& timer() { return timer_; }

   private:
    CallbackTimer timer_;
  };
  bool timer_fired = false;
  auto owner = std::make_unique<TimedHandler>(timer_fired);
  owner->start(reactor_, kOtherFd, kRead);
  owner->timer().start(reactor_, milliseconds(5));
  RecordingHandler killer;
  killer.start(reactor_, kFd, kRead);
  killer.when_readable([&] { owner.reset(); });
  poller_.inject(kFd, kReadable);

  run_after(milliseconds(5));  // the timer is due in the very iteration its owner dies
  EXPECT_EQ(owner, nullptr);
  EXPECT_FALSE(timer_fired);
  EXPECT_EQ(reactor_.active_timers(), 0u);
  run_after(milliseconds(100));
  EXPECT_FALSE(timer_fired);
}

TEST_F(TimerTest, TimersFollowTheInjectedClockOnly) {
  CountingTimer one_shot;
  CountingTimer repeating;
  one_shot.start(reactor_, std::chrono::seconds(1));
  repeating.start(reactor_, std::chrono::seconds(1), std::chrono::seconds(1));

  // However long the real clock runs between iterations, nothing moves until the clock does.
  for (int i = 0; i < 3; ++i)
    run_once();
  EXPECT_EQ(one_shot.fired() + repeating.fired(), 0);
  run_after(milliseconds(999));
  EXPECT_EQ(one_shot.fired() + repeating.fired(), 0);

  // A large jump of the injected clock fires each timer once, not once per missed interval.
  run_after(hours(10));
  EXPECT_EQ(one_shot.fired(), 1);
  EXPECT_EQ(repeating.fired(), 1);
  EXPECT_EQ(repeating.deadline(), clock_.now() + std::chrono::seconds(1));
}

}  // namespace
}  // namespace reactor::testing
