// A callback that throws: the exception leaves run_once()/run() unchanged and the loop stays
// usable. Nothing is delivered or run twice, nothing dispatched after the throw is called from a
// stale batch, and what the iteration owed (deleting retired handlers, the posted tasks not yet
// run, the due timers not yet fired) is honoured. Under ASan a stale batch entry is also a
// use-after-free report.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"
#include "test/unit/mock_reactor_test.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

using std::chrono::milliseconds;

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

using CallbackExceptionTest = MockReactorTest;

// Makes `handler` throw from its first on_readable() only.
void throw_once_when_readable(RecordingHandler& handler) {
  auto thrown = std::make_shared<bool>(false);
  handler.when_readable([thrown] {
    if (*thrown) return;
    *thrown = true;
    throw Boom();
  });
}

TEST_F(CallbackExceptionTest, TheExceptionLeavesRunOnceAndRunUnchanged) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  handler.when_readable([] { throw Boom(); });

  poller_.inject(kFd, kReadable);
  EXPECT_THROW(run_once(), Boom);
  poller_.inject(kFd, kReadable);
  EXPECT_THROW(reactor_.run(), Boom);
  EXPECT_EQ(handler.readable(), 2);
}

TEST_F(CallbackExceptionTest, EventsDispatchedBeforeTheThrowAreNotDeliveredAgain) {
  RecordingHandler first;
  RecordingHandler second;
  first.start(reactor_, kFd, kRead);
  second.start(reactor_, kOtherFd, kRead);
  throw_once_when_readable(second);
  poller_.inject(kFd, kReadable);
  poller_.inject(kOtherFd, kReadable);

  EXPECT_THROW(run_once(), Boom);
  EXPECT_EQ(first.readable(), 1);
  EXPECT_EQ(second.readable(), 1);

  run_once();  // nothing new is ready
  EXPECT_EQ(first.readable(), 1);
  EXPECT_EQ(second.readable(), 1);
}

TEST_F(CallbackExceptionTest, TheRestOfTheBatchIsDroppedAndALevelConditionComesBackOnce) {
  // MockPoller's inject() is a one-shot report, so a dropped one is gone (as an edge would be);
  // set_ready() is a level condition, reported again by the next wait like epoll's and poll's.
  RecordingHandler thrower;
  RecordingHandler one_shot;
  RecordingHandler level;
  thrower.start(reactor_, kFd, kRead);
  one_shot.start(reactor_, kOtherFd, kRead);
  level.start(reactor_, kOtherFd + 1, kRead);
  throw_once_when_readable(thrower);
  // The mock reports level conditions in fd order, then injections: thrower, level, one_shot.
  poller_.set_ready(kFd, kReadable);
  poller_.set_ready(kOtherFd + 1, kReadable);
  poller_.inject(kOtherFd, kReadable);

  EXPECT_THROW(run_once(), Boom);
  EXPECT_EQ(one_shot.readable(), 0);
  EXPECT_EQ(level.readable(), 0);

  run_once();
  EXPECT_EQ(thrower.readable(), 2);
  EXPECT_EQ(one_shot.readable(), 0);
  EXPECT_EQ(level.readable(), 1);
}

TEST_F(CallbackExceptionTest, AHandlerOfTheDroppedBatchThatDeletesItselfIsNotCalledAgain) {
  // The second handler is in the dropped batch and again in the next one, where it deletes
  // itself while reading: nothing may reach it afterwards (an entry of the dropped batch would).
  RecordingHandler thrower;
  thrower.start(reactor_, kFd, kRead);
  throw_once_when_readable(thrower);
  RecordingHandler::Counts counts;
  auto* self_deleting = new RecordingHandler(counts);
  self_deleting->start(reactor_, kOtherFd, kRead | kWrite);
  self_deleting->when_readable([self_deleting] { delete self_deleting; });
  poller_.inject(kFd, kReadable);
  poller_.inject(kOtherFd, kReadable | kWritable);
  EXPECT_THROW(run_once(), Boom);

  poller_.inject(kOtherFd, kReadable | kWritable);
  run_once();

  EXPECT_TRUE(counts.destroyed);
  EXPECT_EQ(counts.readable, 1);
  EXPECT_EQ(counts.writable, 0);
  EXPECT_EQ(thrower.readable(), 1);
}

TEST_F(CallbackExceptionTest, PostedTasksNotYetRunRunOnceLaterAheadOfNewerOnes) {
  std::vector<int> ran;
  reactor_.post([&] { ran.push_back(1); });
  reactor_.post([&] {
    ran.push_back(2);
    throw Boom();
  });
  reactor_.post([&] { ran.push_back(3); });
  EXPECT_THROW(run_once(), Boom);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));

  reactor_.post([&] { ran.push_back(4); });
  run_once();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3, 4}));

  EXPECT_NO_THROW(run_once());
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3, 4})) << "a task ran twice";
}

TEST(CallbackExceptionEpollTest, PostedTasksLeftByAThrowDoNotWaitForTheTimeout) {
  Reactor reactor;
  bool second_ran = false;
  reactor.post([] { throw Boom(); });
  reactor.post([&] { second_ran = true; });
  EXPECT_THROW(reactor.run_once(std::chrono::seconds(5)), Boom);

  const auto started = std::chrono::steady_clock::now();
  reactor.run_once(std::chrono::seconds(5));
  EXPECT_TRUE(second_ran);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4))
      << "the loop slept although a posted task was waiting";
}

TEST_F(CallbackExceptionTest, DueTimersNotYetFiredFireInTheNextIterationAndTheThrowerNotAgain) {
  int thrower_fired = 0;
  int other_fired = 0;
  CallbackTimer thrower([&] {
    ++thrower_fired;
    throw Boom();
  });
  CallbackTimer other([&] { ++other_fired; });
  thrower.start(reactor_, milliseconds(10));
  other.start(reactor_, milliseconds(10));

  clock_.advance(milliseconds(10));
  EXPECT_THROW(run_once(), Boom);
  EXPECT_EQ(thrower_fired, 1);
  EXPECT_EQ(other_fired, 0);
  EXPECT_FALSE(thrower.active());

  run_once();
  EXPECT_EQ(thrower_fired, 1);
  EXPECT_EQ(other_fired, 1);
}

TEST_F(CallbackExceptionTest, AThrowingRepeatingTimerFiresOncePerDeadlineAndStaysScheduled) {
  int fired = 0;
  CallbackTimer timer([&] {
    ++fired;
    throw Boom();
  });
  timer.start(reactor_, milliseconds(10), milliseconds(10));
  const auto first_deadline = timer.deadline();

  clock_.advance(milliseconds(10));
  EXPECT_THROW(run_once(), Boom);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(timer.active());
  EXPECT_EQ(timer.deadline(), first_deadline + milliseconds(10));

  run_once();
  run_after(milliseconds(9));
  EXPECT_EQ(fired, 1);
  EXPECT_THROW(run_after(milliseconds(1)), Boom);
  EXPECT_EQ(fired, 2);
}

TEST_F(CallbackExceptionTest, HandlersHandedToDestroyLaterAreDeletedOnceWhenACallbackThrows) {
  RecordingHandler::Counts retired_counts;
  auto* retired = new RecordingHandler(retired_counts);
  retired->start(reactor_, kFd, kRead);
  retired->when_readable([&, retired] {
    reactor_.destroy_later(std::unique_ptr<EventHandler>(retired));
    throw Boom();
  });
  poller_.inject(kFd, kReadable);

  EXPECT_THROW(run_once(), Boom);
  EXPECT_TRUE(retired_counts.destroyed);
  EXPECT_FALSE(poller_.watching(kFd));
  run_once();  // under ASan, a second delete would be reported here
}

TEST_F(CallbackExceptionTest, HandlersRetiredBeforeAThrowingTimerAreDeleted) {
  RecordingHandler::Counts retired_counts;
  CallbackTimer timer([&] {
    reactor_.destroy_later(std::make_unique<RecordingHandler>(retired_counts));
    throw Boom();
  });
  timer.start(reactor_, milliseconds(0));

  EXPECT_THROW(run_once(), Boom);
  EXPECT_TRUE(retired_counts.destroyed);
}

TEST_F(CallbackExceptionTest, AStopRequestedBeforeTheThrowStaysPendingForTheNextRun) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  handler.when_readable([&] {
    reactor_.stop();
    throw Boom();
  });
  poller_.inject(kFd, kReadable);
  EXPECT_THROW(reactor_.run(), Boom);

  const auto waits = poller_.counters().waits;
  reactor_.run();  // returns at once, consuming the request
  EXPECT_EQ(poller_.counters().waits, waits);

  int iterations = 0;
  reactor_.post([&] {
    ++iterations;
    reactor_.stop();
  });
  reactor_.run();
  EXPECT_EQ(iterations, 1);
  EXPECT_EQ(poller_.counters().waits, waits + 1);
}

TEST_F(CallbackExceptionTest, TheLoopKeepsServingHandlersAfterAThrow) {
  RecordingHandler thrower;
  RecordingHandler other;
  thrower.start(reactor_, kFd, kRead);
  other.start(reactor_, kOtherFd, kRead);
  throw_once_when_readable(thrower);
  poller_.inject(kFd, kReadable);
  EXPECT_THROW(run_once(), Boom);

  poller_.inject(kFd, kReadable);
  poller_.inject(kOtherFd, kReadable);
  EXPECT_EQ(run_once(), 2);
  EXPECT_EQ(thrower.readable(), 2);
  EXPECT_EQ(other.readable(), 1);
}

}  // namespace
}  // namespace reactor::testing
