// MockReactorTest: a test fixture with a Reactor on a MockPoller and a ManualClock, so that
// readiness and time are both in the test's hands. The reactor owns the poller; poller_ is a
// view of it. Threads: the test's.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "reactor/core/reactor.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

namespace reactor::testing {

class MockReactorTest : public ::testing::Test {
 protected:
  // File descriptor numbers for handlers: the mock never touches them, and they are far above
  // the real descriptors the process holds (the reactor's own eventfd among them).
  static constexpr int kFd = 1000;
  static constexpr int kOtherFd = 1001;

  MockReactorTest() : MockReactorTest(std::make_unique<MockPoller>()) {}

  // One iteration that does not block (the mock never does anyway).
  int run_once() { return reactor_.run_once(std::chrono::milliseconds(0)); }
  // Moves the clock by `by`, then runs one iteration.
  int run_after(Clock::duration by) {
    clock_.advance(by);
    return run_once();
  }

  ManualClock clock_;
  MockPoller& poller_;
  Reactor reactor_;

 private:
  explicit MockReactorTest(std::unique_ptr<MockPoller> poller)
      : poller_(*poller), reactor_(std::move(poller), clock_) {}
};

}  // namespace reactor::testing
