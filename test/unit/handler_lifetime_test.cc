// Stale events: a callback that stops, destroys or replaces a handler whose event is already in
// the batch being dispatched (lessons 1 and 8). Run under ASan, a missed guard is also a
// use-after-free report.
#include <gtest/gtest.h>

#include <memory>

#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"
#include "test/unit/mock_reactor_test.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

// Two handlers both ready in one batch; `first` is dispatched before `second`.
class HandlerLifetimeTest : public MockReactorTest {
 protected:
  HandlerLifetimeTest() {
    first_.start(reactor_, kFd, kRead);
    second_->start(reactor_, kOtherFd, kRead | kWrite);
    poller_.inject(kFd, kReadable);
    poller_.inject(kOtherFd, kReadable | kWritable);
  }

  RecordingHandler first_;
  RecordingHandler::Counts second_counts_;
  std::unique_ptr<RecordingHandler> second_ = std::make_unique<RecordingHandler>(second_counts_);
};

TEST_F(HandlerLifetimeTest, HandlerStoppedEarlierInTheBatchIsNotCalled) {
  first_.when_readable([&] { second_->stop(); });
  run_once();
  EXPECT_EQ(first_.readable(), 1);
  EXPECT_EQ(second_->calls(), 0);
}

TEST_F(HandlerLifetimeTest, HandlerDestroyedEarlierInTheBatchIsNotCalled) {
  first_.when_readable([&] { second_.reset(); });
  run_once();
  EXPECT_EQ(first_.readable(), 1);
  EXPECT_TRUE(second_counts_.destroyed);
  EXPECT_EQ(second_counts_.readable + second_counts_.writable + second_counts_.errors, 0);
  EXPECT_FALSE(poller_.watching(kOtherFd));
}

TEST_F(HandlerLifetimeTest, HandlerRestartedEarlierInTheBatchIsNotCalledWithTheOldEvent) {
  first_.when_readable([&] {
    second_->stop();
    second_->start(reactor_, kOtherFd, kRead | kWrite);
  });
  run_once();
  EXPECT_EQ(second_->calls(), 0);

  poller_.inject(kOtherFd, kReadable);
  run_once();
  EXPECT_EQ(second_->readable(), 1) << "the restarted handler must get later events";
}

TEST_F(HandlerLifetimeTest, NewHandlerOnAReusedFdDoesNotGetTheOldEvent) {
  RecordingHandler replacement;
  first_.when_readable([&] {
    second_.reset();  // closes kOtherFd, as its owner would
    replacement.start(reactor_, kOtherFd, kRead | kWrite);
  });
  run_once();
  EXPECT_EQ(replacement.calls(), 0);

  poller_.inject(kOtherFd, kReadable);
  run_once();
  EXPECT_EQ(replacement.readable(), 1);
}

TEST_F(HandlerLifetimeTest, HandlerDestroyingAnAlreadyDispatchedHandlerIsFine) {
  RecordingHandler::Counts first_counts;
  auto earlier = std::make_unique<RecordingHandler>(first_counts);
  first_.stop();
  earlier->start(reactor_, kFd, kRead);
  second_->when_readable([&] { earlier.reset(); });
  run_once();
  EXPECT_EQ(first_counts.readable, 1);
  EXPECT_TRUE(first_counts.destroyed);
  EXPECT_EQ(second_->readable(), 1);
  EXPECT_EQ(second_->writable(), 1);
}

TEST_F(HandlerLifetimeTest, HandlerDeletingItselfInOnReadableGetsNoFurtherCall) {
  RecordingHandler* self = second_.release();
  self->when_readable([self] { delete self; });
  run_once();
  EXPECT_TRUE(second_counts_.destroyed);
  EXPECT_EQ(second_counts_.readable, 1);
  EXPECT_EQ(second_counts_.writable, 0);
  EXPECT_FALSE(poller_.watching(kOtherFd));
}

TEST_F(HandlerLifetimeTest, HandlerStoppingItselfInOnReadableGetsNoOnWritable) {
  second_->when_readable([&] { second_->stop(); });
  run_once();
  EXPECT_EQ(second_->readable(), 1);
  EXPECT_EQ(second_->writable(), 0);
}

TEST_F(HandlerLifetimeTest, HandlerRestartingItselfInOnReadableGetsNoOnWritableFromTheOldEvent) {
  second_->when_readable([&] { second_->start(reactor_, kOtherFd, kRead | kWrite); });
  run_once();
  EXPECT_EQ(second_->readable(), 1);
  EXPECT_EQ(second_->writable(), 0);
  EXPECT_TRUE(second_->active());
}

TEST_F(HandlerLifetimeTest, HandlerDestroyedByATimerAfterDispatchIsFine) {
  // Timers fire after the batch: the handler's event was already delivered, nothing dangles.
  CallbackTimer timer([&] { second_.reset(); });
  timer.start(reactor_, std::chrono::milliseconds(0));
  run_once();
  EXPECT_EQ(second_counts_.readable, 1);
  EXPECT_TRUE(second_counts_.destroyed);
}

}  // namespace
}  // namespace reactor::testing
