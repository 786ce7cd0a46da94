#include "reactor/net/line_connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "reactor/testing/connection_harness_gtest.h"

namespace reactor {
namespace {

// A tiny line protocol: answers "got <line>", "QUIT" with "BYE" and a close, a line that is too
// long with an error (then LineConnection closes).
class Lines final : public LineConnection {
 public:
  Lines(Socket socket, std::size_t max_line_length)
      : LineConnection(std::move(socket), max_line_length) {}

  std::vector<std::string> lines;
  int too_long = 0;
  bool abort_when_too_long = false;

 private:
  void on_line(std::string_view line) override {
    lines.emplace_back(line);
    if (line == "QUIT") {
      send("BYE\n");
      close();
      return;
    }
    send("got ");
    send(line);
    send("\n");
  }
  void on_line_too_long() override {
    ++too_long;
    if (abort_when_too_long) {
      abort();
      return;
    }
    send("ERROR line too long\n");
  }
};

using LineConnectionTest = testing::ConnectionHarnessTest<Lines>;
constexpr std::size_t kMax = 16;

using Strings = std::vector<std::string>;

TEST_F(LineConnectionTest, DeliversEachCompleteLineWithoutItsNewline) {
  testing::ConnectionHarness& harness = open(kMax);
  EXPECT_EQ(harness.round_trip("one\n"), "got one\n");
  EXPECT_EQ(connection().lines, (Strings{"one"}));
}

TEST_F(LineConnectionTest, APartialLineWaitsForTheRest) {
  testing::ConnectionHarness& harness = open(kMax);
  EXPECT_EQ(harness.round_trip("GET"), "");
  EXPECT_EQ(harness.round_trip(" ke"), "");
  EXPECT_EQ(harness.round_trip("y\n"), "got GET key\n");
  EXPECT_EQ(connection().lines, (Strings{"GET key"}));
}

TEST_F(LineConnectionTest, PipelinedLinesAreAnsweredInOrder) {
  testing::ConnectionHarness& harness = open(kMax);
  harness.peer_write("a\nb\n");
  harness.peer_write("c\nd");
  harness.run_until_idle();
  EXPECT_EQ(harness.take_output(), "got a\ngot b\ngot c\n");
  EXPECT_EQ(harness.round_trip("\n"), "got d\n");
}

TEST_F(LineConnectionTest, CarriageReturnNewlineEndsALineToo) {
  testing::ConnectionHarness& harness = open(kMax);
  EXPECT_EQ(harness.round_trip("a\r\n\r\nb\r"), "got a\ngot \n");
  EXPECT_EQ(harness.round_trip("\n"), "got b\n");
}

TEST_F(LineConnectionTest, ALineThatClosesStopsTheLinesBehindIt) {
  testing::ConnectionHarness& harness = open(kMax);
  EXPECT_EQ(harness.round_trip("a\nQUIT\nb\n"), "got a\nBYE\n");
  EXPECT_TRUE(harness.peer_saw_eof());
  EXPECT_EQ(connection().lines, (Strings{"a", "QUIT"}));
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kLocalClose, 0}));
}

TEST_F(LineConnectionTest, ALongPartialLineIsAnsweredThenClosedGracefully) {
  testing::ConnectionHarness& harness = open(kMax);
  harness.peer_write("ok\n");
  harness.peer_write(std::string(17, 'x'));
  harness.run_until_idle();
  EXPECT_EQ(harness.take_output(), "got ok\nERROR line too long\n");
  EXPECT_TRUE(harness.peer_saw_eof());
  EXPECT_EQ(connection().too_long, 1);
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kLocalClose, 0}));
}

TEST_F(LineConnectionTest, ALongCompleteLineIsAnsweredThenClosedGracefully) {
  testing::ConnectionHarness& harness = open(kMax);
  EXPECT_EQ(harness.round_trip(std::string(17, 'x') + "\nnot answered\n"), "ERROR line too long\n");
  EXPECT_TRUE(harness.peer_saw_eof());
  EXPECT_TRUE(connection().lines.empty());
}

TEST_F(LineConnectionTest, ALineOfExactlyTheMaximumIsDelivered) {
  testing::ConnectionHarness& harness = open(kMax);
  const std::string longest(16, 'x');
  EXPECT_EQ(harness.round_trip(longest), "");  // not too long yet, and not complete
  EXPECT_EQ(harness.round_trip("\r"), "");     // the "\r" of its "\r\n" is not counted
  EXPECT_EQ(harness.round_trip("\n"), "got " + longest + "\n");
  EXPECT_EQ(connection().too_long, 0);
}

TEST_F(LineConnectionTest, ALongLineFarPastMaxInputIsAnsweredNotReset) {
  testing::ConnectionHarness& harness = open(std::size_t{1024});
  harness.peer_write(std::string(64 << 10, 'x'));
  harness.run_until_idle();
  EXPECT_EQ(harness.take_output(), "ERROR line too long\n");
  EXPECT_FALSE(harness.close_reason().has_value());  // lingering, not reset
}

TEST(LineConnection, MaxInputIsRaisedToHoldTheLongestLine) {
  Connection::Limits small;
  small.max_input = 4;
  class Tiny final : public LineConnection {
   public:
    Tiny(Socket socket, const Limits& limits) : LineConnection(std::move(socket), 16, limits) {}

   private:
    void on_line(std::string_view line) override { send(line); }
  };
  testing::ConnectionHarness harness(
      [&](Socket socket) { return std::make_unique<Tiny>(std::move(socket), small); });
  EXPECT_EQ(harness.round_trip("0123456789"), "");
  EXPECT_EQ(harness.round_trip("abcdef\n"), "0123456789abcdef");
  EXPECT_FALSE(harness.closed());
}

TEST_F(LineConnectionTest, AHookThatAbortsIsNotFollowedByAClose) {
  testing::ConnectionHarness& harness = open(std::size_t{4});
  connection().abort_when_too_long = true;
  EXPECT_EQ(harness.round_trip("toolong\n"), "");
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kAborted, 0}));
}

}  // namespace
}  // namespace reactor
