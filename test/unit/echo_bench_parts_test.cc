// echo_bench's message pattern and request budget.
#include <gtest/gtest.h>

#include <string>

#include "apps/bench/echo_bench/message_pattern.h"
#include "apps/bench/echo_bench/run_control.h"

namespace bench {
namespace {

std::string message(std::uint64_t connection, std::uint64_t sequence, std::size_t size) {
  std::string bytes(size + 1, '#');
  fill_message(connection, sequence, bytes.data(), size);
  EXPECT_EQ(bytes.back(), '#') << "wrote past the end";
  bytes.pop_back();
  return bytes;
}

TEST(MessagePatternTest, IsDeterministic) {
  EXPECT_EQ(message(3, 7, 26), message(3, 7, 26));
}

TEST(MessagePatternTest, DiffersBetweenConnectionsAndMessages) {
  const std::string reference = message(0, 0, 26);
  EXPECT_NE(reference, message(1, 0, 26));
  EXPECT_NE(reference, message(0, 1, 26));
  EXPECT_NE(message(1, 0, 26), message(0, 1, 26));
}

TEST(MessagePatternTest, ShorterMessageIsAPrefixOfALongerOne) {
  EXPECT_EQ(message(5, 9, 13), message(5, 9, 100).substr(0, 13));
}

TEST(RunControlTest, ClaimsStopAtTheBudget) {
  RunControl control(5);
  EXPECT_TRUE(control.has_request_budget());
  EXPECT_EQ(control.claim_requests(2), 2);
  EXPECT_EQ(control.claim_requests(2), 2);
  EXPECT_EQ(control.claim_requests(2), 1);
  EXPECT_EQ(control.claim_requests(2), 0);
}

TEST(RunControlTest, ZeroBudgetMeansRunUntilStopped) {
  RunControl control(0);
  EXPECT_FALSE(control.has_request_budget());
  EXPECT_EQ(control.phase(), Phase::kWarmup);
  control.set_phase(Phase::kStop);
  EXPECT_EQ(control.phase(), Phase::kStop);
}

}  // namespace
}  // namespace bench
