// How the Reactor turns readiness into EventHandler callbacks.
#include "reactor/core/event_handler.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "test/unit/mock_reactor_test.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

using DispatchTest = MockReactorTest;

TEST_F(DispatchTest, ReadableCallsOnReadable) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  poller_.inject(kFd, kReadable);

  EXPECT_EQ(run_once(), 1);
  EXPECT_EQ(handler.readable(), 1);
  EXPECT_EQ(handler.writable(), 0);
  EXPECT_EQ(handler.errors(), 0);
}

TEST_F(DispatchTest, NothingReadyMakesNoCallback) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead | kWrite);

  EXPECT_EQ(run_once(), 0);
  EXPECT_EQ(handler.calls(), 0);
}

TEST_F(DispatchTest, ReadableAndWritableCallBothReadFirst) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead | kWrite);
  std::string order;
  handler.when_readable([&] { order += 'r'; });
  handler.when_writable([&] { order += 'w'; });
  poller_.inject(kFd, kReadable | kWritable);

  EXPECT_EQ(run_once(), 2);
  EXPECT_EQ(order, "rw");
}

TEST_F(DispatchTest, WritableCallsOnWritableOnlyWhileWriteIsInTheInterest) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kWrite);
  poller_.set_ready(kFd, kWritable);

  run_once();
  EXPECT_EQ(handler.writable(), 1);
  handler.set_interest(kRead);
  run_once();
  EXPECT_EQ(handler.writable(), 1);
  handler.enable(kWrite);
  run_once();
  EXPECT_EQ(handler.writable(), 2);
}

TEST_F(DispatchTest, HandlerThatDropsWriteInOnReadableGetsNoOnWritable) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead | kWrite);
  handler.when_readable([&] { handler.disable(kWrite); });
  poller_.inject(kFd, kReadable | kWritable);

  run_once();
  EXPECT_EQ(handler.readable(), 1);
  EXPECT_EQ(handler.writable(), 0);
}

TEST_F(DispatchTest, HandlerWhoseWriteInterestAnEarlierCallbackDroppedGetsNoOnWritable) {
  RecordingHandler first;
  RecordingHandler second;
  first.start(reactor_, kFd, kRead);
  second.start(reactor_, kOtherFd, kWrite);
  first.when_readable([&] { second.disable(kWrite); });
  poller_.inject(kFd, kReadable);
  poller_.inject(kOtherFd, kWritable);

  run_once();
  EXPECT_EQ(first.readable(), 1);
  EXPECT_EQ(second.writable(), 0);
}

TEST_F(DispatchTest, HandlerWhoseReadInterestAnEarlierCallbackDroppedGetsNoOnReadable) {
  // Backpressure: a handler told to stop reading must not read, even with an event in hand.
  RecordingHandler first;
  RecordingHandler second;
  first.start(reactor_, kFd, kRead);
  second.start(reactor_, kOtherFd, kRead);
  first.when_readable([&] { second.disable(kRead); });
  poller_.inject(kFd, kReadable);
  poller_.inject(kOtherFd, kReadable);

  run_once();
  EXPECT_EQ(first.readable(), 1);
  EXPECT_EQ(second.readable(), 0);
  EXPECT_EQ(second.errors(), 0);
}

struct FailureCase {
  const char* name;
  Interest interest;
  Readiness readiness;
  int readable;
  int writable;
  int errors;
};

void PrintTo(const FailureCase& c, std::ostream* os) {
  *os << c.name;
}

class FailureDispatchTest : public MockReactorTest,
                            public ::testing::WithParamInterface<FailureCase> {};

TEST_P(FailureDispatchTest, GoesToTheCallbacksOfTheInterestSet) {
  const FailureCase& c = GetParam();
  RecordingHandler handler;
  handler.when_error([] {});  // keep the handler, so only the routing is observed
  handler.start(reactor_, kFd, c.interest);
  poller_.inject(kFd, c.readiness);

  run_once();
  EXPECT_EQ(handler.readable(), c.readable);
  EXPECT_EQ(handler.writable(), c.writable);
  EXPECT_EQ(handler.errors(), c.errors);
}

INSTANTIATE_TEST_SUITE_P(
    ErrorAndHangup, FailureDispatchTest,
    ::testing::Values(FailureCase{"ErrorWhileReading", kRead, kError, 1, 0, 0},
                      FailureCase{"HangupWhileReading", kRead, kHangup, 1, 0, 0},
                      FailureCase{"ErrorWhileWriting", kWrite, kError, 0, 1, 0},
                      FailureCase{"HangupWhileWriting", kWrite, kHangup, 0, 1, 0},
                      FailureCase{"ErrorWhileReadingAndWriting", kRead | kWrite, kError, 1, 1, 0},
                      FailureCase{"HangupWithNoInterest", kNoInterest, kHangup, 0, 0, 1},
                      FailureCase{"ErrorWithNoInterest", kNoInterest, kError, 0, 0, 1}),
    [](const ::testing::TestParamInfo<FailureCase>& param) {
      return std::string(param.param.name);
    });

TEST_F(DispatchTest, FailureHandledByOnReadableIsNotAlsoReportedToOnError) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  handler.when_readable([&] { handler.disable(kRead); });  // saw end of file: stop reading
  poller_.set_ready(kFd, kHangup);

  run_once();
  EXPECT_EQ(handler.readable(), 1);
  EXPECT_EQ(handler.errors(), 0);
  EXPECT_TRUE(handler.active());

  run_once();  // the hang-up persists, now with no interest: on_error, which stops
  EXPECT_EQ(handler.readable(), 1);
  EXPECT_EQ(handler.errors(), 1);
  EXPECT_FALSE(handler.active());
}

TEST_F(DispatchTest, DefaultOnErrorStopsTheHandler) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kNoInterest);
  poller_.set_ready(kFd, kHangup);  // level-triggered: would repeat forever if not stopped

  run_once();
  EXPECT_EQ(handler.errors(), 1);
  EXPECT_FALSE(handler.active());
  EXPECT_FALSE(poller_.watching(kFd));
  run_once();
  EXPECT_EQ(handler.errors(), 1);
}

TEST_F(DispatchTest, OnErrorThatKeepsTheHandlerIsCalledEachIteration) {
  RecordingHandler handler;
  handler.when_error([] {});
  handler.start(reactor_, kFd, kNoInterest);
  poller_.set_ready(kFd, kHangup);

  run_once();
  run_once();
  EXPECT_EQ(handler.errors(), 2);
  EXPECT_TRUE(handler.active());
}

TEST_F(DispatchTest, HandlersAreDispatchedInTheOrderThePollerReportsThem) {
  RecordingHandler first;
  RecordingHandler second;
  first.start(reactor_, kFd, kRead);
  second.start(reactor_, kOtherFd, kRead);
  std::string order;
  first.when_readable([&] { order += '1'; });
  second.when_readable([&] { order += '2'; });
  poller_.inject(kOtherFd, kReadable);
  poller_.inject(kFd, kReadable);

  EXPECT_EQ(run_once(), 2);
  EXPECT_EQ(order, "21");
}

}  // namespace
}  // namespace reactor::testing
