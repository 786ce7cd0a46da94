// app::GracefulDrain on a ManualClock: drained at once when nothing is open, when the last
// connection goes, or at the end of the grace period after aborting the rest; reported once.
#include "apps/common/graceful_drain.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <memory>

#include "reactor/core/reactor.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

namespace app {
namespace {

using namespace std::chrono_literals;

class GracefulDrainTest : public ::testing::Test {
 protected:
  // Moves the clock and runs the due timers.
  void advance(std::chrono::milliseconds by) {
    clock_.advance(by);
    reactor_.run_once(0ms);
  }

  std::size_t open = 0;
  int aborts = 0;
  int drained = 0;

 private:
  reactor::testing::ManualClock clock_;
  reactor::Reactor reactor_{std::make_unique<reactor::testing::MockPoller>(), clock_};

 protected:
  GracefulDrain drain_{
      reactor_, 1000ms, {[this] { return open; }, [this] { ++aborts; }, [this] { ++drained; }}};
};

TEST_F(GracefulDrainTest, WithNothingOpenItIsDrainedAtOnce) {
  drain_.begin();
  EXPECT_TRUE(drain_.begun());
  EXPECT_EQ(drained, 1);
  EXPECT_EQ(aborts, 0);
}

TEST_F(GracefulDrainTest, ItIsDrainedSoonAfterTheLastConnectionGoes) {
  open = 2;
  drain_.begin();
  advance(50ms);
  EXPECT_EQ(drained, 0);
  open = 0;
  advance(10ms);
  EXPECT_EQ(drained, 1);
  advance(2000ms);
  EXPECT_EQ(drained, 1);
  EXPECT_EQ(aborts, 0);
}

TEST_F(GracefulDrainTest, AfterTheGracePeriodTheRestIsAbortedAndReportedOnce) {
  open = 1;
  drain_.begin();
  drain_.begin();
  advance(999ms);
  EXPECT_EQ(aborts, 0);
  advance(1ms);
  EXPECT_EQ(aborts, 1);
  EXPECT_EQ(drained, 1);
  advance(1000ms);
  EXPECT_EQ(drained, 1);
}

}  // namespace
}  // namespace app
