#include "reactor/core/reactor.h"

#include <gtest/gtest.h>

#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

namespace reactor {
namespace {

TEST(ReactorSmoke, Builds) {
  auto poller = std::make_unique<testing::MockPoller>();
  testing::ManualClock clock;
  Reactor r(std::move(poller), clock);
  EXPECT_EQ(r.active_handlers(), 1u);
}

}  // namespace
}  // namespace reactor
