#include "reactor/net/idle_tracker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/net/connection.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "reactor/testing/socket_pair.h"

namespace reactor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr milliseconds kNoWait{0};
constexpr seconds kTimeout{10};

// Counts idle notices and closes. Without an idle hook it keeps the default (abort()).
class IdleConnection final : public Connection {
 public:
  explicit IdleConnection(Socket socket = Socket()) : Connection(std::move(socket)) {}

  std::function<void()> idle_hook;
  int idle_calls = 0;
  int close_calls = 0;
  CloseReason close_reason;

 private:
  std::size_t on_data(std::string_view bytes) override { return bytes.size(); }
  void on_idle() override {
    ++idle_calls;
    if (idle_hook) {
      idle_hook();
    } else {
      Connection::on_idle();
    }
  }
  void on_close(CloseReason reason) override {
    ++close_calls;
    close_reason = reason;
  }
};

class IdleTrackerTest : public ::testing::Test {
 protected:
  IdleTrackerTest() : reactor_(std::make_unique<testing::MockPoller>(), clock_) {}

  // Moves time on and runs one iteration, which refreshes Reactor::now() and fires due timers.
  void advance(Clock::duration by) {
    clock_.advance(by);
    reactor_.run_once(kNoWait);
  }
  testing::MockPoller& poller() { return static_cast<testing::MockPoller&>(reactor_.poller()); }

  testing::ManualClock clock_;
  Reactor reactor_;
  IdleTracker tracker_{reactor_, kTimeout};
};

TEST_F(IdleTrackerTest, ReapsAfterTheTimeoutAndNotBefore) {
  IdleConnection connection;
  tracker_.add(connection);
  advance(kTimeout - milliseconds(1));
  EXPECT_EQ(connection.idle_calls, 0);
  advance(milliseconds(1));
  EXPECT_EQ(connection.idle_calls, 1);
  EXPECT_TRUE(connection.closed());  // the default on_idle() aborts
  EXPECT_EQ(connection.close_calls, 1);
  EXPECT_EQ(connection.close_reason, (CloseReason{CloseKind::kIdleTimeout, 0}));
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(IdleTrackerTest, TouchMovesAConnectionToTheTail) {
  IdleConnection a, b, c;
  tracker_.add(a);
  tracker_.add(b);
  tracker_.add(c);
  advance(seconds(5));
  tracker_.touch(a);
  advance(seconds(5));
  EXPECT_EQ(a.idle_calls, 0);
  EXPECT_EQ(b.idle_calls, 1);
  EXPECT_EQ(c.idle_calls, 1);
  advance(seconds(5));
  EXPECT_EQ(a.idle_calls, 1);
}

TEST_F(IdleTrackerTest, TouchingTheNewestOnlyRefreshesItsClock) {
  IdleConnection a, b;
  tracker_.add(a);
  tracker_.add(b);
  advance(seconds(5));
  tracker_.touch(b);
  advance(seconds(5));
  EXPECT_EQ(a.idle_calls, 1);
  EXPECT_EQ(b.idle_calls, 0);
  advance(seconds(5));
  EXPECT_EQ(b.idle_calls, 1);
}

TEST_F(IdleTrackerTest, ConnectionReceivingInputIsNotReaped) {
  testing::SocketPair pair;
  const int fd = pair.local();
  IdleConnection connection(Socket(pair.release_local()));
  connection.start(reactor_);
  tracker_.add(connection);
  for (int i = 0; i < 5; ++i) {
    advance(seconds(4));
    pair.send_to_local("keepalive");
    poller().inject(fd, kReadable);
    reactor_.run_once(kNoWait);
  }
  EXPECT_EQ(connection.idle_calls, 0);  // 20 seconds in all, never 10 in silence
  advance(kTimeout);
  EXPECT_EQ(connection.idle_calls, 1);
  EXPECT_TRUE(connection.closed());
}

TEST_F(IdleTrackerTest, OutputIsNoSignOfLifeByDefault) {
  testing::SocketPair pair;
  IdleConnection connection(Socket(pair.release_local()));
  connection.start(reactor_);
  tracker_.add(connection);
  advance(seconds(6));
  connection.send("status");
  advance(seconds(4));
  EXPECT_EQ(connection.idle_calls, 1);
  EXPECT_EQ(connection.close_reason, (CloseReason{CloseKind::kIdleTimeout, 0}));
}

TEST_F(IdleTrackerTest, OutputKeepsAConnectionAliveWhenItCounts) {
  IdleTracker tracker(reactor_, kTimeout, IdleTracker::Activity::kInputAndOutput);
  testing::SocketPair pair;
  IdleConnection connection(Socket(pair.release_local()));
  connection.start(reactor_);
  tracker.add(connection);
  for (int i = 0; i < 5; ++i) {
    advance(seconds(4));
    connection.send("status");
  }
  EXPECT_EQ(connection.idle_calls, 0);  // 20 seconds without input
  advance(kTimeout);
  EXPECT_EQ(connection.idle_calls, 1);
  EXPECT_EQ(connection.close_reason, (CloseReason{CloseKind::kIdleTimeout, 0}));
}

TEST_F(IdleTrackerTest, AFlushOfQueuedOutputCountsWhenOutputCounts) {
  IdleTracker tracker(reactor_, kTimeout, IdleTracker::Activity::kInputAndOutput);
  testing::SocketPair pair;
  const int fd = pair.local();
  IdleConnection connection(Socket(pair.release_local()));
  connection.start(reactor_);
  tracker.add(connection);
  // Fills the socket buffer, so that the rest is queued and flushed later.
  const std::string block(1 << 20, 'x');
  connection.send(block);
  ASSERT_GT(connection.queued_bytes(), 0u);
  advance(seconds(6));
  char sink[64 << 10];
  while (::read(pair.peer(), sink, sizeof sink) > 0) {
  }
  poller().inject(fd, kWritable);
  reactor_.run_once(kNoWait);
  advance(seconds(6));
  EXPECT_EQ(connection.idle_calls, 0);
}

TEST_F(IdleTrackerTest, ATrackerCountingOnlyInputIgnoresOutputOfAConnectionMovedToIt) {
  IdleTracker counting_output(reactor_, kTimeout, IdleTracker::Activity::kInputAndOutput);
  testing::SocketPair pair;
  IdleConnection connection(Socket(pair.release_local()));
  connection.start(reactor_);
  counting_output.add(connection);
  tracker_.add(connection);  // leaves the other tracker
  advance(seconds(6));
  connection.send("status");
  advance(seconds(4));
  EXPECT_EQ(connection.idle_calls, 1);
}

TEST_F(IdleTrackerTest, ClosedConnectionLeavesTheList) {
  IdleConnection a, b;
  tracker_.add(a);
  tracker_.add(b);
  a.close();
  advance(kTimeout);
  EXPECT_EQ(a.idle_calls, 0);
  EXPECT_EQ(b.idle_calls, 1);
}

TEST_F(IdleTrackerTest, TimerStopsWhenTheListEmpties) {
  IdleConnection a;
  tracker_.add(a);
  EXPECT_EQ(reactor_.active_timers(), 1u);
  a.close();
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(IdleTrackerTest, ReapsTenThousandConnectionsInOneTick) {
  std::vector<std::unique_ptr<IdleConnection>> connections;
  for (int i = 0; i < 10000; ++i) {
    connections.push_back(std::make_unique<IdleConnection>());
    tracker_.add(*connections.back());
  }
  advance(kTimeout);
  for (const auto& connection : connections) {
    ASSERT_EQ(connection->idle_calls, 1);
    ASSERT_TRUE(connection->closed());
  }
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(IdleTrackerTest, RearmsForTheNextOldest) {
  IdleConnection a, b;
  tracker_.add(a);
  advance(seconds(3));
  tracker_.add(b);
  advance(seconds(7));
  EXPECT_EQ(a.idle_calls, 1);
  EXPECT_EQ(b.idle_calls, 0);
  reactor_.run_once(Reactor::kWaitForever);
  EXPECT_EQ(poller().last_timeout_ms(), 3000);  // b's deadline, 3 seconds on
  advance(seconds(3));
  EXPECT_EQ(b.idle_calls, 1);
}

TEST_F(IdleTrackerTest, ConnectionKeptOpenIsToldAgainAfterAnotherTimeout) {
  IdleConnection kept, reaped;
  kept.idle_hook = [] {};
  tracker_.add(kept);
  tracker_.add(reaped);
  advance(kTimeout);
  EXPECT_EQ(kept.idle_calls, 1);
  EXPECT_FALSE(kept.closed());
  EXPECT_TRUE(reaped.closed());
  advance(kTimeout - milliseconds(1));
  EXPECT_EQ(kept.idle_calls, 1);
  advance(milliseconds(1));
  EXPECT_EQ(kept.idle_calls, 2);
  kept.close();
}

TEST_F(IdleTrackerTest, OnIdleMayCloseOtherConnections) {
  IdleConnection first, second;
  first.idle_hook = [&] { second.close(); };
  tracker_.add(first);
  tracker_.add(second);
  advance(kTimeout);
  EXPECT_EQ(first.idle_calls, 1);
  EXPECT_EQ(second.idle_calls, 0);
  EXPECT_TRUE(second.closed());
  first.close();
}

TEST_F(IdleTrackerTest, DestroyedConnectionLeavesTheList) {
  IdleConnection survivor;
  auto doomed = std::make_unique<IdleConnection>();
  tracker_.add(*doomed);
  tracker_.add(survivor);
  doomed.reset();
  advance(kTimeout);  // would touch freed memory if the tracker still listed it
  EXPECT_EQ(survivor.idle_calls, 1);
}

TEST_F(IdleTrackerTest, TrackerDestroyedFirstForgetsItsConnections) {
  IdleConnection connection;
  {
    IdleTracker short_lived(reactor_, kTimeout);
    short_lived.add(connection);
  }
  EXPECT_EQ(reactor_.active_timers(), 0u);
  connection.close();  // would touch the destroyed tracker if it were still remembered
  EXPECT_EQ(connection.close_calls, 1);
}

TEST_F(IdleTrackerTest, AddingToAnotherTrackerLeavesTheFirst) {
  IdleTracker other(reactor_, kTimeout * 2);
  IdleConnection connection;
  tracker_.add(connection);
  other.add(connection);
  advance(kTimeout);
  EXPECT_EQ(connection.idle_calls, 0);
  advance(kTimeout);
  EXPECT_EQ(connection.idle_calls, 1);
}

TEST(IdleTrackerDisabled, ZeroTimeoutTracksNothing) {
  testing::ManualClock clock;
  Reactor reactor(std::make_unique<testing::MockPoller>(), clock);
  IdleTracker tracker(reactor, milliseconds(0));
  EXPECT_FALSE(tracker.enabled());
  IdleConnection connection;
  tracker.add(connection);
  EXPECT_EQ(reactor.active_timers(), 0u);
  clock.advance(std::chrono::hours(1));
  reactor.run_once(kNoWait);
  EXPECT_EQ(connection.idle_calls, 0);
  EXPECT_FALSE(connection.closed());
}

}  // namespace
}  // namespace reactor
