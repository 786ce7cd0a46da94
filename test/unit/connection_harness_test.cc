#include "reactor/testing/connection_harness.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace reactor {
namespace {

using std::chrono::milliseconds;
using testing::ConnectionHarness;
using testing::FakeSyscalls;

// Records every delivery; by default echoes it and consumes everything.
class Recorder final : public Connection {
 public:
  explicit Recorder(Socket socket, const Limits& limits = {})
      : Connection(std::move(socket), limits) {}

  std::function<std::size_t(Recorder&, std::string_view)> data_hook;
  std::vector<std::string> deliveries;

 private:
  std::size_t on_data(std::string_view bytes) override {
    deliveries.emplace_back(bytes);
    if (data_hook) return data_hook(*this, bytes);
    send(bytes);
    return bytes.size();
  }
};

ConnectionHarness::Factory recorder(const Connection::Limits& limits = {}) {
  return [limits](Socket socket) { return std::make_unique<Recorder>(std::move(socket), limits); };
}

TEST(ConnectionHarness, AnEchoRoundTripReturnsWhatThePeerWrote) {
  ConnectionHarness harness(recorder());
  EXPECT_EQ(harness.round_trip("ping"), "ping");
  EXPECT_FALSE(harness.closed());
  EXPECT_FALSE(harness.peer_saw_eof());
}

TEST(ConnectionHarness, WritesBeforeARunArrivePipelinedInOneDelivery) {
  ConnectionHarness harness(recorder());
  harness.peer_write("GET a\n");
  harness.peer_write("GET b\n");
  harness.run_until_idle();
  EXPECT_EQ(harness.connection<Recorder>().deliveries,
            (std::vector<std::string>{"GET a\nGET b\n"}));
}

TEST(ConnectionHarness, WritesBetweenRunsArriveAsSeparateDeliveries) {
  ConnectionHarness harness(recorder());
  harness.peer_write("GET");
  harness.run_until_idle();
  harness.peer_write(" a\n");
  harness.run_until_idle();
  EXPECT_EQ(harness.connection<Recorder>().deliveries, (std::vector<std::string>{"GET", " a\n"}));
}

TEST(ConnectionHarness, RunUntilIdleWithNothingToDoMakesNoRound) {
  ConnectionHarness harness(recorder());
  EXPECT_EQ(harness.run_until_idle(), 0);
  harness.peer_write("x");
  EXPECT_GT(harness.run_until_idle(), 0);
  EXPECT_EQ(harness.run_until_idle(), 0);
}

TEST(ConnectionHarness, APeerShutdownClosesThePeerFirstAndThePeerSeesEof) {
  ConnectionHarness harness(recorder());
  harness.peer_write("last");
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(harness.take_output(), "last");
  EXPECT_TRUE(harness.peer_saw_eof());
  ASSERT_TRUE(harness.closed());
  EXPECT_EQ(*harness.close_reason(), (CloseReason{CloseKind::kPeerClosed, 0}));
  EXPECT_THROW(harness.peer_write("more"), std::logic_error);
}

TEST(ConnectionHarness, APeerResetIsAResetWithEconnreset) {
  ConnectionHarness harness(recorder());
  harness.peer_reset();
  harness.run_until_idle();
  ASSERT_TRUE(harness.closed());
  EXPECT_EQ(harness.close_reason()->kind, CloseKind::kReset);
  EXPECT_EQ(harness.close_reason()->error, ECONNRESET);
}

TEST(ConnectionHarness, ACloseIsReportedOnlyWhenTheSocketIsClosed) {
  ConnectionHarness harness(recorder());
  harness.connection<Recorder>().data_hook = [](Recorder& self, std::string_view) {
    self.send("bye");
    self.close();
    return std::size_t{0};
  };
  EXPECT_EQ(harness.round_trip("quit"), "bye");
  EXPECT_TRUE(harness.peer_saw_eof());
  EXPECT_FALSE(harness.closed());  // lingering for the peer's EOF
  harness.peer_shutdown();
  harness.run_until_idle();
  ASSERT_TRUE(harness.closed());
  EXPECT_EQ(*harness.close_reason(), (CloseReason{CloseKind::kLocalClose, 0}));
}

TEST(ConnectionHarness, TheLingerTimeoutFiresWhenTheClockPassesIt) {
  Connection::Limits limits;
  limits.linger_timeout = milliseconds(500);
  ConnectionHarness harness(recorder(limits));
  harness.connection().close();
  harness.advance(milliseconds(499));
  EXPECT_FALSE(harness.closed());
  harness.advance(milliseconds(1));
  EXPECT_TRUE(harness.closed());
}

TEST(ConnectionHarness, TheIdleTimeoutFiresWhenTheClockPassesIt) {
  ConnectionHarness::Options options;
  options.idle_timeout = milliseconds(100);
  ConnectionHarness harness(recorder(), options);
  ASSERT_NE(harness.idle_tracker(), nullptr);
  harness.advance(milliseconds(60));
  harness.round_trip("alive");  // restarts the idle clock
  harness.advance(milliseconds(99));
  EXPECT_FALSE(harness.closed());
  harness.advance(milliseconds(1));
  ASSERT_TRUE(harness.closed());
  EXPECT_EQ(*harness.close_reason(), (CloseReason{CloseKind::kIdleTimeout, 0}));
}

TEST(ConnectionHarness, NoIdleTrackerUnlessAsked) {
  ConnectionHarness harness(recorder());
  EXPECT_EQ(harness.idle_tracker(), nullptr);
  harness.advance(std::chrono::hours(1));
  EXPECT_FALSE(harness.closed());
}

TEST(ConnectionHarness, PartialWritesAreFlushedByRunningUntilIdle) {
  ConnectionHarness harness(recorder());
  harness.limit_writes(2, 2);
  EXPECT_EQ(harness.round_trip("abcdef"), "abcdef");
  EXPECT_EQ(harness.syscalls().calls(FakeSyscalls::Call::kSend), 3u);
  EXPECT_EQ(harness.connection().queued_bytes(), 0u);
}

TEST(ConnectionHarness, AnEagainOnWriteQueuesTheOutputUntilWritable) {
  ConnectionHarness harness(recorder());
  harness.fail_writes(EAGAIN);
  EXPECT_EQ(harness.round_trip("queued"), "queued");
  EXPECT_EQ(harness.syscalls().scripted(FakeSyscalls::Call::kSend), 0u);
}

TEST(ConnectionHarness, AnEagainOnReadIsFollowedByAnotherRead) {
  ConnectionHarness harness(recorder());
  harness.fail_reads(EAGAIN);
  EXPECT_EQ(harness.round_trip("late"), "late");
  EXPECT_EQ(harness.syscalls().calls(FakeSyscalls::Call::kRecv), 2u);
}

TEST(ConnectionHarness, AResetOnWriteClosesWithTheReset) {
  ConnectionHarness harness(recorder());
  harness.fail_writes(ECONNRESET);
  EXPECT_EQ(harness.round_trip("x"), "");
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kReset, ECONNRESET}));
}

TEST(ConnectionHarness, AWriteLargerThanTheSocketIsFedAsTheConnectionReads) {
  ConnectionHarness harness(recorder());
  std::size_t received = 0;
  harness.connection<Recorder>().data_hook = [&](Recorder&, std::string_view bytes) {
    received += bytes.size();
    return bytes.size();
  };
  harness.peer_write(std::string(4 << 20, 'x'));
  harness.run_until_idle();
  EXPECT_EQ(received, std::size_t{4 << 20});
}

TEST(ConnectionHarness, AWriteIntoAConnectionThatStopsReadingThrows) {
  ConnectionHarness harness(recorder());
  harness.connection<Recorder>().data_hook = [](Recorder& self, std::string_view bytes) {
    self.pause_reading();
    return bytes.size();
  };
  EXPECT_THROW(harness.peer_write(std::string(16 << 20, 'x')), std::logic_error);
}

TEST(ConnectionHarness, AFactoryThatMakesNoConnectionIsRefused) {
  EXPECT_THROW(ConnectionHarness([](Socket) { return std::unique_ptr<Connection>(); }),
               std::invalid_argument);
}

TEST(ConnectionHarness, TheConnectionAsTheWrongTypeThrows) {
  class Other : public Connection {
    using Connection::Connection;
    std::size_t on_data(std::string_view bytes) override { return bytes.size(); }
  };
  ConnectionHarness harness(recorder());
  EXPECT_THROW(harness.connection<Other>(), std::bad_cast);
}

}  // namespace
}  // namespace reactor
