// MockPoller itself: tests of handler logic are only as good as the mock's imitation of a
// level-triggered kernel poller.
#include "reactor/testing/mock_poller.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

class MockPollerTest : public ::testing::Test {
 protected:
  static constexpr int kFd = 7;
  static constexpr int kOtherFd = 8;

  std::vector<Poller::Event> wait(int timeout_ms = 0) {
    std::vector<Poller::Event> events;
    poller_.wait(timeout_ms, events);
    return events;
  }

  MockPoller poller_;
  RecordingHandler handler_;  // used only as a token
  RecordingHandler other_handler_;
};

TEST_F(MockPollerTest, RecordsRegistrations) {
  poller_.add(kFd, kRead, &handler_);
  EXPECT_TRUE(poller_.watching(kFd));
  EXPECT_EQ(poller_.interest(kFd), kRead);
  EXPECT_EQ(poller_.handler(kFd), &handler_);
  EXPECT_EQ(poller_.watched_count(), 1u);

  poller_.modify(kFd, kWrite, &other_handler_);
  EXPECT_EQ(poller_.interest(kFd), kWrite);
  EXPECT_EQ(poller_.handler(kFd), &other_handler_);

  poller_.remove(kFd, &other_handler_);
  EXPECT_FALSE(poller_.watching(kFd));
  EXPECT_EQ(poller_.interest(kFd), kNoInterest);
  EXPECT_EQ(poller_.handler(kFd), nullptr);
  EXPECT_EQ(poller_.name(), "mock");
}

TEST_F(MockPollerTest, CountsCallsThatChangedSomething) {
  poller_.add(kFd, kRead, &handler_);
  poller_.modify(kFd, kWrite, &handler_);
  poller_.remove(kFd, &handler_);
  poller_.remove(kFd, &handler_);  // no longer watched: not counted
  EXPECT_THROW(poller_.add(-1, kRead, &handler_), std::system_error);
  wait();
  wait();

  EXPECT_EQ(poller_.counters().adds, 1u);
  EXPECT_EQ(poller_.counters().modifies, 1u);
  EXPECT_EQ(poller_.counters().removes, 1u);
  EXPECT_EQ(poller_.counters().waits, 2u);
}

TEST_F(MockPollerTest, CountsRemovalsOfFdsThatWereClosedFirst) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  poller_.add(fds[0], kRead, &handler_);
  poller_.add(fds[1], kWrite, &other_handler_);

  poller_.remove(fds[0], &handler_);  // still open
  ::close(fds[0]);
  ::close(fds[1]);
  errno = EAGAIN;
  poller_.remove(fds[1], &other_handler_);  // closed before it was removed

  EXPECT_EQ(poller_.counters().removes, 2u);
  EXPECT_EQ(poller_.counters().removes_of_closed_fds, 1u);
  EXPECT_EQ(errno, EAGAIN);
}

TEST_F(MockPollerTest, RefusesWhatAKernelWouldRefuse) {
  poller_.add(kFd, kRead, &handler_);
  try {
    poller_.add(kFd, kRead, &handler_);
    FAIL() << "duplicate add accepted";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), EEXIST);
  }
  try {
    poller_.modify(kOtherFd, kRead, &handler_);
    FAIL() << "modify of an unwatched fd accepted";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), ENOENT);
  }
}

TEST_F(MockPollerTest, FailNextRegistrationAppliesOnceToAddOrModify) {
  poller_.fail_next_registration(EMFILE);
  EXPECT_THROW(poller_.add(kFd, kRead, &handler_), std::system_error);
  EXPECT_FALSE(poller_.watching(kFd));
  poller_.add(kFd, kRead, &handler_);

  poller_.fail_next_registration(ENOMEM);
  try {
    poller_.modify(kFd, kWrite, &handler_);
    FAIL() << "modify should have failed";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), ENOMEM);
  }
  EXPECT_EQ(poller_.interest(kFd), kRead);
  poller_.modify(kFd, kWrite, &handler_);
  EXPECT_EQ(poller_.interest(kFd), kWrite);
}

TEST_F(MockPollerTest, FiltersReadinessByInterestButAlwaysPassesErrorAndHangup) {
  poller_.add(kFd, kRead, &handler_);
  poller_.add(kOtherFd, kNoInterest, &other_handler_);
  poller_.inject(kFd, kReadable | kWritable | kHangup);
  poller_.inject(kOtherFd, kReadable | kWritable);

  auto events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].handler, &handler_);
  EXPECT_EQ(events[0].readiness, kReadable | kHangup);

  poller_.inject(kOtherFd, kError);
  events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].handler, &other_handler_);
  EXPECT_EQ(events[0].readiness, kError);
}

TEST_F(MockPollerTest, InjectionIsDeliveredOnceAndOnlyForWatchedFds) {
  poller_.inject(kOtherFd, kReadable);  // never watched
  poller_.inject(kFd, kReadable);       // watched before the wait: delivered
  poller_.add(kFd, kRead, &handler_);

  auto events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].handler, &handler_);
  EXPECT_TRUE(wait().empty());

  poller_.add(kOtherFd, kRead, &other_handler_);
  EXPECT_TRUE(wait().empty()) << "an injection for an unwatched fd must be dropped";
}

TEST_F(MockPollerTest, CoalescesEachFdIntoOneEventInFirstAppearanceOrder) {
  poller_.add(kFd, kRead | kWrite, &handler_);
  poller_.add(kOtherFd, kRead, &other_handler_);
  poller_.inject(kOtherFd, kReadable);
  poller_.inject(kFd, kReadable);
  poller_.inject(kFd, kWritable);
  poller_.inject(kOtherFd, kHangup);

  const auto events = wait();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].handler, &other_handler_);
  EXPECT_EQ(events[0].readiness, kReadable | kHangup);
  EXPECT_EQ(events[1].handler, &handler_);
  EXPECT_EQ(events[1].readiness, kReadable | kWritable);
}

TEST_F(MockPollerTest, SetReadyIsLevelTriggeredUntilCleared) {
  poller_.add(kFd, kRead | kWrite, &handler_);
  poller_.set_ready(kFd, kReadable);
  poller_.inject(kFd, kWritable);

  auto events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].readiness, kReadable | kWritable);
  events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].readiness, kReadable);

  poller_.set_ready(kFd, kWritable);  // replaces, not adds
  events = wait();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].readiness, kWritable);

  poller_.clear_ready(kFd);
  EXPECT_TRUE(wait().empty());
}

TEST_F(MockPollerTest, LevelConditionFollowsInterestChanges) {
  poller_.add(kFd, kRead, &handler_);
  poller_.set_ready(kFd, kWritable);
  EXPECT_TRUE(wait().empty());
  poller_.modify(kFd, kRead | kWrite, &handler_);
  EXPECT_EQ(wait().size(), 1u);
  poller_.remove(kFd, &handler_);
  EXPECT_TRUE(wait().empty());
}

TEST_F(MockPollerTest, RecordsTheTimeoutAndNeverBlocks) {
  wait(-1);  // would block forever on a kernel poller
  EXPECT_EQ(poller_.last_timeout_ms(), -1);
  wait(250);
  EXPECT_EQ(poller_.last_timeout_ms(), 250);
}

TEST_F(MockPollerTest, AppendsToTheEventsItIsGiven) {
  poller_.add(kFd, kRead, &handler_);
  poller_.inject(kFd, kReadable);
  std::vector<Poller::Event> events{{&other_handler_, kWritable}};
  poller_.wait(0, events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].handler, &other_handler_);
  EXPECT_EQ(events[1].handler, &handler_);
}

}  // namespace
}  // namespace reactor::testing
