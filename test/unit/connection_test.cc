#include "reactor/net/connection.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/net/idle_tracker.h"
#include "reactor/testing/connection_harness.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "reactor/testing/socket_pair.h"
#include "test/support/handler_api.h"

namespace reactor {
namespace {

using Call = testing::FakeSyscalls::Call;
using Outcome = testing::FakeSyscalls::Outcome;
constexpr std::chrono::milliseconds kNoWait{0};

// Limits with small water marks, so that a few bytes of output cross them.
Connection::Limits water_marks(std::size_t high, std::size_t low) {
  Connection::Limits limits;
  limits.high_water_mark = high;
  limits.low_water_mark = low;
  return limits;
}

// Writes "close" and "release" to a shared log, so tests can check their order and count.
class RecordingOwner final : public ConnectionOwner {
 public:
  explicit RecordingOwner(std::vector<std::string>& log) : log_(log) {}
  void release(Connection& connection) override {
    log_.push_back(connection.closed() ? "release" : "release while open");
  }

 private:
  std::vector<std::string>& log_;
};

// A connection whose callbacks a test scripts. By default it echoes what it receives.
class TestConnection final : public Connection {
 public:
  TestConnection(Socket socket, const Limits& limits, std::vector<std::string>& log)
      : Connection(std::move(socket), limits), log_(log) {}

  std::function<std::size_t(std::string_view)> data_hook;
  std::function<void()> peer_shutdown_hook;
  std::function<void(std::size_t)> high_water_hook;
  std::function<void()> drained_hook;
  std::vector<std::string> deliveries;
  std::vector<std::size_t> high_waters;  // what each on_high_water() was told
  int drained_calls = 0;
  std::vector<CloseReason> close_reasons;

 private:
  std::size_t on_data(std::string_view bytes) override {
    deliveries.emplace_back(bytes);
    if (data_hook) return data_hook(bytes);
    send(bytes);
    return bytes.size();
  }
  void on_peer_shutdown() override {
    log_.push_back("peer shutdown");
    if (peer_shutdown_hook) {
      peer_shutdown_hook();
    } else {
      Connection::on_peer_shutdown();
    }
  }
  void on_idle() override {
    log_.push_back("idle");
    Connection::on_idle();
  }
  void on_high_water(std::size_t queued) override {
    high_waters.push_back(queued);
    if (high_water_hook) high_water_hook(queued);
  }
  void on_drained() override {
    ++drained_calls;
    if (drained_hook) drained_hook();
  }
  void on_close(CloseReason reason) override {
    log_.push_back("close");
    close_reasons.push_back(reason);
  }

  std::vector<std::string>& log_;
};

// What the peer end read: the bytes, then whether it met EOF or an error.
struct PeerRead {
  std::string bytes;
  bool eof = false;
  int error = 0;  // errno of the read that ended it, 0 for EOF; EAGAIN: nothing more for now
};

PeerRead read_all(int fd) {
  PeerRead result;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      result.bytes.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0) {
      result.eof = true;
      return result;
    } else {
      result.error = errno;
      return result;
    }
  }
}

class ConnectionTest : public ::testing::Test {
 protected:
  ConnectionTest() : reactor_(std::make_unique<testing::MockPoller>(), clock_) {}

  // A started connection on the local end of a fresh socket pair, owned by owner_.
  TestConnection& open(const Connection::Limits& limits = {}) {
    fd_ = pair_.local();
    connection_ = std::make_unique<TestConnection>(Socket(pair_.release_local()), limits, log_);
    connection_->set_owner(&owner_, 7);
    connection_->start(reactor_);
    fake_.on_call(Call::kRecv, [this](int fd) { reads_ += fd == fd_ ? 1 : 0; });
    fake_.on_call(Call::kSend, [this](int fd) { writes_ += fd == fd_ ? 1 : 0; });
    return *connection_;
  }

  testing::MockPoller& poller() { return static_cast<testing::MockPoller&>(reactor_.poller()); }
  void readable() { dispatch(kReadable); }
  void writable() { dispatch(kWritable); }
  void dispatch(Readiness readiness) {
    poller().inject(fd_, readiness);
    reactor_.run_once(kNoWait);
  }
  void peer_send(std::string_view bytes) { pair_.send_to_local(bytes); }
  PeerRead peer_read() { return read_all(pair_.peer()); }
  // Makes the connection's next write take nothing, so that what it sends is queued.
  void block_next_write() { fake_.script(Call::kSend, Outcome::fail(EAGAIN), fd_); }
  // Bytes waiting in the connection's socket, not yet read by it.
  std::size_t unread_by_connection() const {
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  testing::FakeSyscalls fake_;
  ScopedSyscalls scoped_{fake_};
  testing::ManualClock clock_;
  Reactor reactor_;
  testing::SocketPair pair_;
  std::vector<std::string> log_;
  RecordingOwner owner_{log_};
  std::unique_ptr<TestConnection> connection_;
  int fd_ = -1;
  std::size_t reads_ = 0;
  std::size_t writes_ = 0;
};

using Log = std::vector<std::string>;

// ---- Through reactor::testing::ConnectionHarness: the peer, the loop and the close reason ----

testing::ConnectionHarness::Factory test_connection(Log& log) {
  return [&log](Socket socket) {
    return std::make_unique<TestConnection>(std::move(socket), Connection::Limits{}, log);
  };
}

TEST(ConnectionThroughTheHarness, EchoesData) {
  Log log;
  testing::ConnectionHarness harness(test_connection(log));
  EXPECT_EQ(harness.round_trip("hello"), "hello");
  EXPECT_EQ(harness.connection<TestConnection>().deliveries, (Log{"hello"}));
  EXPECT_EQ(harness.connection().queued_bytes(), 0u);
  EXPECT_EQ(harness.connection().buffer_capacity(), 0u);
}

TEST(ConnectionThroughTheHarness, PeerEofFlushesQueuedOutputThenCloses) {
  Log log;
  testing::ConnectionHarness harness(test_connection(log));
  harness.fail_writes(EAGAIN);
  harness.connection().send("last words");
  harness.peer_shutdown();
  harness.run_until_idle();
  EXPECT_EQ(log, (Log{"peer shutdown", "close"}));
  EXPECT_EQ(harness.take_output(), "last words");
  EXPECT_TRUE(harness.peer_saw_eof());
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kPeerClosed, 0}));
  EXPECT_FALSE(harness.poller().watching(harness.fd()));
}

TEST(ConnectionThroughTheHarness, PeerEofWithNothingQueuedClosesAtOnce) {
  Log log;
  testing::ConnectionHarness harness(test_connection(log));
  harness.peer_shutdown();
  EXPECT_EQ(harness.run_until_idle(), 1);
  EXPECT_EQ(log, (Log{"peer shutdown", "close"}));
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kPeerClosed, 0}));
}

TEST(ConnectionThroughTheHarness, IdleTimeoutWhileTheCloseCannotFlushAborts) {
  Log log;
  testing::ConnectionHarness::Options options;
  options.idle_timeout = std::chrono::milliseconds(50);
  testing::ConnectionHarness harness(test_connection(log), options);
  harness.fail_writes(EAGAIN, 1000);
  harness.connection().send("never taken");
  harness.connection().close();
  harness.advance(std::chrono::milliseconds(50));
  EXPECT_EQ(log, (Log{"close"}));
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kIdleTimeout, 0}));
  EXPECT_EQ(harness.take_output(), "");
  EXPECT_EQ(harness.reactor().active_timers(), 0u);
}

TEST(ConnectionThroughTheHarness, AReadFailureOtherThanAResetIsAReadError) {
  Log log;
  testing::ConnectionHarness harness(test_connection(log));
  harness.fail_reads(EIO);
  harness.peer_write("x");
  harness.run_until_idle();
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kReadError, EIO}));
}

TEST(ConnectionThroughTheHarness, AWriteFailureOtherThanAResetIsAWriteError) {
  Log log;
  testing::ConnectionHarness harness(test_connection(log));
  harness.fail_writes(ENOBUFS);
  harness.connection().send("x");
  EXPECT_EQ(harness.close_reason(), (CloseReason{CloseKind::kWriteError, ENOBUFS}));
}

// ---- Driven by hand: readiness injected one wakeup at a time ----

TEST_F(ConnectionTest, StartsReadingOnly) {
  TestConnection& connection = open();
  EXPECT_EQ(poller().interest(fd_), kRead);
  EXPECT_EQ(connection.owner_tag(), 7u);
  EXPECT_FALSE(connection.closed());
  EXPECT_EQ(connection.buffer_capacity(), 0u);
}

TEST_F(ConnectionTest, ShortReadMeansDrainedAndIsNotRepeated) {
  open();
  peer_send("hello");
  readable();
  EXPECT_EQ(reads_, 1u);
}

TEST_F(ConnectionTest, FullReadsRepeatOnlyAFewTimesPerWakeup) {
  TestConnection& connection = open();
  // Refills the socket before each read, so every read fills the 64 KiB read buffer. Bounded,
  // so that a connection reading until EAGAIN would end and fail the check below.
  connection.data_hook = [](std::string_view bytes) { return bytes.size(); };
  const std::string block(64 << 10, 'x');
  int refills = 16;
  fake_.on_call(Call::kRecv, [&](int fd) {
    if (fd != fd_) return;
    ++reads_;
    if (refills-- > 0) peer_send(block);
  });
  readable();
  EXPECT_GT(reads_, 1u);
  EXPECT_LE(reads_, 4u);
  EXPECT_EQ(connection.deliveries.size(), reads_);
  for (const std::string& delivery : connection.deliveries)
    EXPECT_EQ(delivery.size(), block.size());
}

TEST_F(ConnectionTest, EintrOnReadIsRetried) {
  TestConnection& connection = open();
  fake_.script(Call::kRecv, Outcome::fail(EINTR), fd_);
  peer_send("abc");
  readable();
  EXPECT_EQ(reads_, 2u);
  EXPECT_EQ(connection.deliveries, (Log{"abc"}));
  EXPECT_FALSE(connection.closed());
}

TEST_F(ConnectionTest, SteadyPingPongMakesNoPollerCalls) {
  TestConnection& connection = open();
  const testing::MockPoller::Counters before = poller().counters();
  for (int round = 0; round < 100; ++round) {
    const std::string ping = "ping " + std::to_string(round);
    peer_send(ping);
    readable();
    ASSERT_EQ(peer_read().bytes, ping);
  }
  EXPECT_EQ(poller().counters().modifies, before.modifies);
  EXPECT_EQ(poller().counters().adds, before.adds);
  EXPECT_EQ(poller().counters().removes, before.removes);
  EXPECT_EQ(writes_, 100u);
  EXPECT_EQ(connection.buffer_capacity(), 0u);
}

TEST_F(ConnectionTest, SendingNothingSendsNothingAndChangesNothing) {
  TestConnection& connection = open();
  connection.send("");
  EXPECT_FALSE(connection.closed());
  EXPECT_EQ(connection.queued_bytes(), 0u);
  EXPECT_EQ(poller().interest(fd_), kRead);

  fake_.script(Call::kSend, Outcome::at_most(2), fd_);
  connection.send("abcdef");  // "cdef" queued
  connection.send("");
  EXPECT_EQ(connection.queued_bytes(), 4u);
  writable();
  EXPECT_EQ(peer_read().bytes, "abcdef");
  EXPECT_FALSE(connection.closed());
}

TEST_F(ConnectionTest, ShortWriteQueuesRemainderUntilWritable) {
  TestConnection& connection = open();
  const std::size_t modifies = poller().counters().modifies;
  fake_.script(Call::kSend, Outcome::at_most(2), fd_);
  connection.send("abcdef");
  EXPECT_EQ(connection.queued_bytes(), 4u);
  EXPECT_GT(connection.buffer_capacity(), 0u);
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);
  EXPECT_EQ(poller().counters().modifies, modifies + 1);
  EXPECT_EQ(peer_read().bytes, "ab");

  writable();
  EXPECT_EQ(connection.queued_bytes(), 0u);
  EXPECT_EQ(connection.buffer_capacity(), 0u);
  EXPECT_EQ(poller().interest(fd_), kRead);
  EXPECT_EQ(poller().counters().modifies, modifies + 2);
  EXPECT_EQ(peer_read().bytes, "cdef");
}

TEST_F(ConnectionTest, EagainOnWriteQueuesEverything) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("abcdef");
  EXPECT_EQ(connection.queued_bytes(), 6u);
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);
  EXPECT_EQ(peer_read().error, EAGAIN);
  writable();
  EXPECT_EQ(peer_read().bytes, "abcdef");
  EXPECT_EQ(poller().interest(fd_), kRead);
}

TEST_F(ConnectionTest, EintrOnWriteIsRetried) {
  TestConnection& connection = open();
  const std::size_t modifies = poller().counters().modifies;
  fake_.script(Call::kSend, Outcome::fail(EINTR), fd_);
  connection.send("abc");
  EXPECT_EQ(connection.queued_bytes(), 0u);
  EXPECT_EQ(writes_, 2u);
  EXPECT_EQ(poller().counters().modifies, modifies);
  EXPECT_EQ(peer_read().bytes, "abc");
}

TEST_F(ConnectionTest, SendBehindQueuedOutputQueuesAndWritableWritesAllAtOnce) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("abc");
  connection.send("def");
  connection.send("ghi");
  EXPECT_EQ(writes_, 1u);  // only the first send tried the socket; the rest keep the order
  EXPECT_EQ(connection.queued_bytes(), 9u);
  writable();
  EXPECT_EQ(writes_, 2u);
  EXPECT_EQ(peer_read().bytes, "abcdefghi");
}

TEST_F(ConnectionTest, BackpressurePausesAboveHighWaterAndResumesAtLowWater) {
  Connection::Limits limits;
  limits.high_water_mark = 100;
  limits.low_water_mark = 40;
  TestConnection& connection = open(limits);
  const std::size_t modifies = poller().counters().modifies;

  block_next_write();
  connection.send(std::string(100, 'a'));  // at the mark, not above it
  EXPECT_FALSE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);
  EXPECT_EQ(poller().counters().modifies, modifies + 1);

  connection.send("b");
  EXPECT_TRUE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kWrite);
  EXPECT_EQ(poller().counters().modifies, modifies + 2);

  peer_send("unread while paused");
  fake_.script(Call::kSend, Outcome::at_most(60), fd_);
  dispatch(kReadable | kWritable);
  EXPECT_TRUE(connection.deliveries.empty());
  EXPECT_EQ(connection.queued_bytes(), 41u);
  EXPECT_TRUE(connection.reading_paused());
  EXPECT_EQ(poller().counters().modifies, modifies + 2);

  fake_.script(Call::kSend, Outcome::at_most(1), fd_);
  writable();
  EXPECT_EQ(connection.queued_bytes(), 40u);
  EXPECT_FALSE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);
  EXPECT_EQ(poller().counters().modifies, modifies + 3);

  connection.data_hook = [](std::string_view bytes) { return bytes.size(); };
  dispatch(kReadable | kWritable);
  EXPECT_EQ(connection.deliveries, (Log{"unread while paused"}));
  EXPECT_EQ(connection.queued_bytes(), 0u);
  EXPECT_EQ(poller().interest(fd_), kRead);
  EXPECT_EQ(poller().counters().modifies, modifies + 4);
  EXPECT_EQ(peer_read().bytes, std::string(100, 'a') + "b");
}

TEST_F(ConnectionTest, BackpressureStopsReadingWithinTheSameWakeup) {
  Connection::Limits limits;
  limits.high_water_mark = 10;
  limits.low_water_mark = 0;
  TestConnection& connection = open(limits);
  // Every read comes back full, so only the pause can stop the reading loop early.
  const std::string block(64 << 10, 'x');
  fake_.on_call(Call::kRecv, [&](int fd) {
    if (fd == fd_) peer_send(block);
  });
  block_next_write();
  readable();
  EXPECT_EQ(connection.deliveries.size(), 1u);
  EXPECT_TRUE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kWrite);
}

TEST_F(ConnectionTest, WithoutPauseAtHighWaterCrossingTheMarkOnlyTellsAndReadingGoesOn) {
  Connection::Limits limits = water_marks(10, 0);
  limits.pause_at_high_water = false;
  TestConnection& connection = open(limits);
  connection.data_hook = [](std::string_view bytes) { return bytes.size(); };

  block_next_write();
  connection.send(std::string(11, 'a'));
  EXPECT_EQ(connection.high_waters, (std::vector<std::size_t>{11}));
  EXPECT_TRUE(connection.over_high_water());
  EXPECT_FALSE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);

  peer_send("read while over the mark");
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"read while over the mark"}));

  writable();
  EXPECT_EQ(connection.drained_calls, 1);
  EXPECT_FALSE(connection.over_high_water());
  EXPECT_EQ(poller().interest(fd_), kRead);
  EXPECT_EQ(peer_read().bytes, std::string(11, 'a'));
}

TEST_F(ConnectionTest, WithoutPauseAtHighWaterAUserPauseStillStopsReading) {
  Connection::Limits limits = water_marks(10, 0);
  limits.pause_at_high_water = false;
  TestConnection& connection = open(limits);
  block_next_write();
  connection.send(std::string(11, 'a'));
  connection.pause_reading();
  EXPECT_TRUE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kWrite);
  connection.resume_reading();
  EXPECT_FALSE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);
}

TEST_F(ConnectionTest, ShutdownHalfClosesAfterFlushAndKeepsReading) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("bye");
  connection.shutdown();
  PeerRead read = peer_read();
  EXPECT_EQ(read.bytes, "");
  EXPECT_FALSE(read.eof);  // not before the queued bytes are out

  writable();
  read = peer_read();
  EXPECT_EQ(read.bytes, "bye");
  EXPECT_TRUE(read.eof);
  EXPECT_EQ(poller().interest(fd_), kRead);

  connection.send("ignored after shutdown");
  EXPECT_EQ(connection.queued_bytes(), 0u);
  peer_send("still talking");
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"still talking"}));
  EXPECT_FALSE(connection.closed());

  pair_.close_peer();
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"peer shutdown", "close", "release"}));
}

TEST_F(ConnectionTest, BothSidesShutDownCloses) {
  TestConnection& connection = open();
  connection.peer_shutdown_hook = [&] { connection.shutdown(); };
  peer_send("x");
  ASSERT_EQ(::shutdown(pair_.peer(), SHUT_WR), 0);
  readable();  // a short read: the EOF behind it comes with the next readiness
  EXPECT_EQ(connection.deliveries, (Log{"x"}));
  EXPECT_TRUE(log_.empty());
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"peer shutdown", "close", "release"}));
  const PeerRead read = peer_read();
  EXPECT_EQ(read.bytes, "x");
  EXPECT_TRUE(read.eof);
}

TEST_F(ConnectionTest, PeerEofAfterOurShutdownCloses) {
  TestConnection& connection = open();
  connection.shutdown();
  connection.peer_shutdown_hook = [] {};  // neither close() nor shutdown(): both sides are done
  pair_.close_peer();
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"peer shutdown", "close", "release"}));
  // Our shutdown() came first.
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
}

TEST_F(ConnectionTest, CloseInsideOnDataShutsTheWriteSideAndLingersUntilThePeersEof) {
  TestConnection& connection = open();
  connection.data_hook = [&](std::string_view bytes) {
    connection.close();
    return bytes.size();
  };
  peer_send("quit");
  readable();
  EXPECT_TRUE(peer_read().eof);
  EXPECT_FALSE(connection.closed());
  EXPECT_TRUE(log_.empty());
  EXPECT_EQ(poller().interest(fd_), kRead);
  EXPECT_EQ(connection.buffer_capacity(), 0u);

  pair_.close_peer();
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
  EXPECT_FALSE(poller().watching(fd_));
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(ConnectionTest, InputAfterCloseIsReadAndDiscardedWhileTheReplyFlushes) {
  TestConnection& connection = open();
  connection.data_hook = [&](std::string_view bytes) {
    block_next_write();
    connection.send("goodbye");
    connection.close();
    return bytes.size();
  };
  peer_send("quit");
  readable();
  EXPECT_FALSE(connection.closed());
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);  // reading goes on, to discard
  peer_send("late");
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"quit"}));
  EXPECT_EQ(unread_by_connection(), 0u);
  EXPECT_EQ(connection.buffer_capacity(), connection.queued_bytes());  // nothing kept

  peer_send("later");
  dispatch(kReadable | kWritable);
  EXPECT_EQ(connection.deliveries, (Log{"quit"}));
  EXPECT_EQ(unread_by_connection(), 0u);
  const PeerRead read = peer_read();
  EXPECT_EQ(read.bytes, "goodbye");
  EXPECT_TRUE(read.eof);
  EXPECT_FALSE(connection.closed());  // lingering: reads on until the peer's EOF
  EXPECT_EQ(poller().interest(fd_), kRead);
  EXPECT_TRUE(log_.empty());
}

TEST_F(ConnectionTest, CloseDropsKeptInputAndDeliversNoMore) {
  TestConnection& connection = open();
  connection.data_hook = [](std::string_view) { return std::size_t{0}; };  // keeps everything
  peer_send("ab");
  readable();
  ASSERT_GT(connection.buffer_capacity(), 0u);
  connection.close();  // from outside on_data(), say a timer's callback
  EXPECT_EQ(connection.buffer_capacity(), 0u);
  peer_send("cd");
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"ab"}));
  EXPECT_EQ(unread_by_connection(), 0u);
  EXPECT_EQ(connection.buffer_capacity(), 0u);
}

TEST_F(ConnectionTest, LingerTimeoutClosesAPeerThatNeverSendsEof) {
  Connection::Limits limits;
  limits.linger_timeout = std::chrono::milliseconds(100);
  TestConnection& connection = open(limits);
  EXPECT_EQ(reactor_.active_timers(), 0u);  // an open connection has no linger timer
  connection.close();
  EXPECT_TRUE(peer_read().eof);
  EXPECT_EQ(reactor_.active_timers(), 1u);

  clock_.advance(std::chrono::milliseconds(99));
  peer_send("still talking");  // discarded, and no reason to wait longer
  dispatch(kReadable);
  EXPECT_FALSE(connection.closed());
  clock_.advance(std::chrono::milliseconds(1));
  reactor_.run_once(kNoWait);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  // The reply was out: a linger that times out is still a local close.
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
  EXPECT_FALSE(poller().watching(fd_));
  EXPECT_EQ(reactor_.active_timers(), 0u);
  EXPECT_TRUE(connection.deliveries.empty());
}

TEST_F(ConnectionTest, ZeroLingerTimeoutClosesAtOnce) {
  Connection::Limits limits;
  limits.linger_timeout = std::chrono::milliseconds(0);
  TestConnection& connection = open(limits);
  connection.close();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(ConnectionTest, CloseAfterThePeersEofClosesAtOnceWithoutLinger) {
  TestConnection& connection = open();
  connection.peer_shutdown_hook = [] {};  // stays open, e.g. to answer first
  ASSERT_EQ(::shutdown(pair_.peer(), SHUT_WR), 0);
  readable();
  ASSERT_FALSE(connection.closed());
  connection.close();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"peer shutdown", "close", "release"}));
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(ConnectionTest, ThePeersEofWhileTheReplyFlushesClosesOnceFlushedWithoutLinger) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("reply");
  connection.close();
  ASSERT_EQ(::shutdown(pair_.peer(), SHUT_WR), 0);
  readable();
  EXPECT_TRUE(log_.empty());  // no on_peer_shutdown() once closing
  EXPECT_EQ(poller().interest(fd_), kWrite);
  writable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(reactor_.active_timers(), 0u);
  EXPECT_EQ(peer_read().bytes, "reply");
}

TEST_F(ConnectionTest, AbortDuringLingerClosesAtOnce) {
  TestConnection& connection = open();
  connection.close();
  ASSERT_EQ(reactor_.active_timers(), 1u);
  connection.abort();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kAborted, 0}}));
  EXPECT_FALSE(poller().watching(fd_));
  EXPECT_EQ(reactor_.active_timers(), 0u);
  clock_.advance(Connection::Limits{}.linger_timeout);
  reactor_.run_once(kNoWait);
  EXPECT_EQ(log_.size(), 2u);
}

TEST_F(ConnectionTest, DestroyedDuringLingerMakesNoCallbacks) {
  open();
  connection_->close();
  ASSERT_EQ(reactor_.active_timers(), 1u);
  connection_.reset();
  EXPECT_TRUE(log_.empty());
  EXPECT_FALSE(poller().watching(fd_));
  EXPECT_EQ(reactor_.active_timers(), 0u);
  clock_.advance(Connection::Limits{}.linger_timeout);
  reactor_.run_once(kNoWait);
  EXPECT_TRUE(log_.empty());
}

TEST_F(ConnectionTest, IdleTimeoutDuringLingerFinishesTheClose) {
  TestConnection& connection = open();
  IdleTracker tracker(reactor_, std::chrono::milliseconds(50));
  tracker.add(connection);
  connection.close();
  clock_.advance(std::chrono::milliseconds(40));
  peer_send("discarded input is no sign of life");
  dispatch(kReadable);
  clock_.advance(std::chrono::milliseconds(10));
  reactor_.run_once(kNoWait);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));  // no on_idle() once closing
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

// ---- Close reasons not covered above ----

TEST_F(ConnectionTest, AResetWhileFlushingQueuedOutputIsAReset) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("queued");
  fake_.script(Call::kSend, Outcome::fail(ECONNRESET), fd_);
  writable();
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kReset, ECONNRESET}}));
}

TEST_F(ConnectionTest, AbortPassesOnTheReasonItIsGiven) {
  TestConnection& connection = open();
  connection.abort({CloseKind::kReset, ECONNRESET});  // say, a relay's other side was reset
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kReset, ECONNRESET}}));
}

TEST_F(ConnectionTest, ThePeersEofThenOurCloseIsAPeerClose) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("reply");
  ASSERT_EQ(::shutdown(pair_.peer(), SHUT_WR), 0);
  readable();  // the default on_peer_shutdown() closes once the reply is out
  writable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kPeerClosed, 0}}));
}

TEST(CloseReasonText, NamesTheKindAndTheError) {
  EXPECT_EQ(to_string(CloseReason{CloseKind::kIdleTimeout, 0}), "idle timeout");
  EXPECT_EQ(to_string(CloseReason{CloseKind::kReset, ECONNRESET}),
            "reset by peer: " + std::error_code(ECONNRESET, std::generic_category()).message());
  EXPECT_FALSE((CloseReason{CloseKind::kLocalClose, 0}).abnormal());
  EXPECT_FALSE((CloseReason{CloseKind::kPeerClosed, 0}).abnormal());
  EXPECT_TRUE((CloseReason{CloseKind::kFlushTimeout, 0}).abnormal());
}

TEST(CloseReasonText, IsWhatAStreamAndGoogleTestPrint) {
  const CloseReason reset{CloseKind::kReset, ECONNRESET};
  std::ostringstream out;
  out << reset;
  EXPECT_EQ(out.str(), to_string(reset));
  EXPECT_EQ(::testing::PrintToString(reset), to_string(reset));
  EXPECT_EQ(::testing::PrintToString(CloseKind::kIdleTimeout), "idle timeout");
}

// ---- Pausing reading ----

TEST_F(ConnectionTest, PausedReadingLeavesInputInTheKernelUntilResumed) {
  TestConnection& connection = open();
  connection.pause_reading();
  EXPECT_TRUE(connection.paused_by_user());
  EXPECT_TRUE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kNoInterest);
  peer_send("waits");
  readable();  // readiness fetched before the pause is ignored
  EXPECT_TRUE(connection.deliveries.empty());
  EXPECT_EQ(unread_by_connection(), 5u);

  connection.resume_reading();
  EXPECT_FALSE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kRead);
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"waits"}));
}

TEST_F(ConnectionTest, PauseInsideOnDataStopsTheReadingLoop) {
  TestConnection& connection = open();
  connection.data_hook = [&](std::string_view bytes) {
    connection.pause_reading();
    return bytes.size();
  };
  const std::string block(64 << 10, 'x');
  fake_.on_call(Call::kRecv, [&](int fd) {
    if (fd == fd_) peer_send(block);  // every read comes back full
  });
  readable();
  EXPECT_EQ(connection.deliveries.size(), 1u);
  EXPECT_EQ(poller().interest(fd_), kNoInterest);
}

TEST_F(ConnectionTest, APausedConnectionStaysPausedWhenItsOutputDrains) {
  TestConnection& connection = open(water_marks(10, 4));
  connection.pause_reading();
  block_next_write();
  connection.send(std::string(11, 'a'));
  EXPECT_TRUE(connection.over_high_water());
  EXPECT_EQ(poller().interest(fd_), kWrite);
  writable();
  EXPECT_FALSE(connection.over_high_water());
  EXPECT_TRUE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kNoInterest);
}

TEST_F(ConnectionTest, ResumingAConnectionHeldByBackpressureReadsOnlyOnceTheOutputDrains) {
  TestConnection& connection = open(water_marks(10, 4));
  connection.pause_reading();
  block_next_write();
  connection.send(std::string(11, 'a'));
  connection.resume_reading();
  EXPECT_FALSE(connection.paused_by_user());
  EXPECT_TRUE(connection.reading_paused());  // backpressure still holds it
  EXPECT_EQ(poller().interest(fd_), kWrite);
  peer_send("later");
  fake_.script(Call::kSend, Outcome::at_most(6), fd_);
  dispatch(kReadable | kWritable);
  EXPECT_TRUE(connection.deliveries.empty());  // 5 queued: above the low-water mark
  writable();
  EXPECT_FALSE(connection.reading_paused());
  EXPECT_EQ(poller().interest(fd_), kRead);
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"later"}));
}

TEST_F(ConnectionTest, CloseOverridesAPauseToDiscardInputWhileLingering) {
  TestConnection& connection = open();
  connection.pause_reading();
  connection.close();
  EXPECT_EQ(poller().interest(fd_), kRead);
  pair_.close_peer();
  readable();
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
}

// Unix-domain sockets report a close with unread data as ECONNRESET through SO_ERROR; epoll
// reports it with an empty interest set as an error and hang-up.
TEST_F(ConnectionTest, AResetOfAPausedConnectionIsNoticedAtOnce) {
  TestConnection& connection = open();
  connection.pause_reading();
  connection.send("never read by the peer");
  pair_.close_peer();
  dispatch(kError | kHangup);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kReset, ECONNRESET}}));
  EXPECT_FALSE(poller().watching(fd_));
}

// Both directions shut (our shutdown(), then the peer's close) while paused: the input still in
// the socket must not be lost, and a level-triggered hang-up must not spin the loop.
TEST_F(ConnectionTest, AHangupOfBothDirectionsParksAPausedConnectionUntilItResumes) {
  TestConnection& connection = open();
  connection.pause_reading();
  connection.shutdown();
  peer_send("tail");
  pair_.close_peer();
  dispatch(kHangup);
  EXPECT_FALSE(connection.closed());
  EXPECT_FALSE(poller().watching(fd_));
  EXPECT_TRUE(log_.empty());

  connection.resume_reading();
  EXPECT_EQ(poller().interest(fd_), kRead);
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"tail"}));
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"peer shutdown", "close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
}

TEST_F(ConnectionTest, AParkedConnectionClosesAtOnce) {
  TestConnection& connection = open();
  connection.pause_reading();
  connection.shutdown();
  pair_.close_peer();
  dispatch(kHangup);
  ASSERT_FALSE(poller().watching(fd_));
  connection.close();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(reactor_.active_timers(), 0u);
  EXPECT_EQ(log_, (Log{"close", "release"}));
}

// ---- High water and drained ----

TEST_F(ConnectionTest, HighWaterIsToldOncePerCrossing) {
  TestConnection& connection = open(water_marks(10, 4));
  block_next_write();
  connection.send(std::string(10, 'a'));  // at the mark, not above it
  EXPECT_TRUE(connection.high_waters.empty());
  connection.send("b");
  EXPECT_EQ(connection.high_waters, (std::vector<std::size_t>{11}));
  EXPECT_EQ(poller().interest(fd_), kWrite);  // reading is paused by then
  connection.send("c");
  EXPECT_EQ(connection.high_waters.size(), 1u);

  fake_.script(Call::kSend, Outcome::at_most(3), fd_);
  writable();  // 9 queued: below the mark, above the low-water mark
  connection.send("dd");
  EXPECT_EQ(connection.high_waters.size(), 1u);  // not re-armed before the low-water mark
  fake_.script(Call::kSend, Outcome::at_most(8), fd_);
  writable();  // 3 queued
  connection.send(std::string(8, 'e'));
  EXPECT_EQ(connection.high_waters, (std::vector<std::size_t>{11, 11}));
}

TEST_F(ConnectionTest, DrainedIsToldWhenQueuedOutputEmptiesNotForASendTakenWhole) {
  TestConnection& connection = open();
  connection.send("taken whole");
  EXPECT_EQ(connection.drained_calls, 0);
  block_next_write();
  connection.send("queued");
  EXPECT_EQ(connection.drained_calls, 0);
  fake_.script(Call::kSend, Outcome::at_most(2), fd_);
  writable();
  EXPECT_EQ(connection.drained_calls, 0);
  writable();
  EXPECT_EQ(connection.drained_calls, 1);
  EXPECT_EQ(poller().interest(fd_), kRead);
}

TEST_F(ConnectionTest, DrainedIsNotToldOnceClosing) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("reply");
  connection.shutdown();
  writable();
  EXPECT_EQ(connection.drained_calls, 0);
}

// A producer driven by neither input nor a timer: it sends until high water, stops, and goes on
// when the output has drained. Its queued output stays bounded by the mark plus one chunk.
TEST_F(ConnectionTest, AProducerThatStopsAtHighWaterAndRestartsOnDrainedIsBounded) {
  Connection::Limits limits;
  limits.high_water_mark = 64 << 10;
  limits.low_water_mark = 0;
  TestConnection& connection = open(limits);
  const std::string chunk(16 << 10, 'p');
  const std::size_t total = 64;  // chunks: far more than the socket pair's buffers hold
  std::size_t produced = 0;
  bool stopped = false;
  std::size_t most_queued = 0;
  const auto produce = [&] {
    stopped = false;
    while (!stopped && produced < total) {
      ++produced;
      connection.send(chunk);
      most_queued = std::max(most_queued, connection.queued_bytes());
    }
  };
  connection.high_water_hook = [&](std::size_t) { stopped = true; };
  connection.drained_hook = produce;
  produce();
  ASSERT_TRUE(stopped);
  std::size_t received = 0;
  for (int round = 0; round < 1000 && received < total * chunk.size(); ++round) {
    received += peer_read().bytes.size();
    writable();
  }
  EXPECT_EQ(received, total * chunk.size());
  EXPECT_LE(most_queued, limits.high_water_mark + chunk.size());
  EXPECT_GE(connection.high_waters.size(), 2u);
}

// ---- Flush timeout ----

TEST_F(ConnectionTest, FlushTimeoutAbortsACloseThePeerDoesNotRead) {
  Connection::Limits limits;
  limits.flush_timeout = std::chrono::milliseconds(100);
  TestConnection& connection = open(limits);
  block_next_write();
  connection.send("never taken");
  connection.close();
  EXPECT_EQ(reactor_.active_timers(), 1u);
  fake_.script(Call::kSend, Outcome::fail(EAGAIN), fd_, 10);
  clock_.advance(std::chrono::milliseconds(99));
  writable();
  EXPECT_FALSE(connection.closed());
  clock_.advance(std::chrono::milliseconds(1));
  reactor_.run_once(kNoWait);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kFlushTimeout, 0}}));
  EXPECT_EQ(reactor_.active_timers(), 0u);
}

TEST_F(ConnectionTest, FlushTimeoutAbortsAShutdownThePeerDoesNotRead) {
  Connection::Limits limits;
  limits.flush_timeout = std::chrono::milliseconds(100);
  TestConnection& connection = open(limits);
  block_next_write();
  connection.send("never taken");
  connection.shutdown();
  clock_.advance(std::chrono::milliseconds(100));
  reactor_.run_once(kNoWait);
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kFlushTimeout, 0}}));
}

TEST_F(ConnectionTest, AShutdownFlushedInTimeStopsItsFlushTimeout) {
  Connection::Limits limits;
  limits.flush_timeout = std::chrono::milliseconds(100);
  TestConnection& connection = open(limits);
  block_next_write();
  connection.send("bye");
  connection.shutdown();
  writable();
  EXPECT_TRUE(peer_read().eof);
  EXPECT_EQ(reactor_.active_timers(), 0u);
  clock_.advance(std::chrono::milliseconds(100));
  reactor_.run_once(kNoWait);
  EXPECT_FALSE(connection.closed());
}

TEST_F(ConnectionTest, ACloseFlushedInTimeLingersForTheLingerTimeout) {
  Connection::Limits limits;
  limits.flush_timeout = std::chrono::milliseconds(100);
  limits.linger_timeout = std::chrono::milliseconds(500);
  TestConnection& connection = open(limits);
  block_next_write();
  connection.send("reply");
  connection.close();
  clock_.advance(std::chrono::milliseconds(90));
  writable();  // flushed: the linger starts now
  EXPECT_EQ(reactor_.active_timers(), 1u);
  clock_.advance(std::chrono::milliseconds(499));
  reactor_.run_once(kNoWait);
  EXPECT_FALSE(connection.closed());
  clock_.advance(std::chrono::milliseconds(1));
  reactor_.run_once(kNoWait);
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kLocalClose, 0}}));
}

TEST_F(ConnectionTest, NoFlushTimeoutByDefault) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("slow");
  connection.close();
  EXPECT_EQ(reactor_.active_timers(), 0u);
  EXPECT_FALSE(connection.closed());
}

TEST(ConnectionApi, HidesTheEventHandlerControlsThatBypassItsStates) {
  EXPECT_FALSE(testing::ExposesStop<TestConnection>::value);
  EXPECT_FALSE(testing::ExposesSetInterest<TestConnection>::value);
  EXPECT_FALSE(testing::ExposesEnable<TestConnection>::value);
  EXPECT_FALSE(testing::ExposesDisable<TestConnection>::value);
  EXPECT_FALSE(testing::ExposesStartOnAnyFd<TestConnection>::value);
  // What only reports stays public; so do the plain EventHandler's controls.
  EXPECT_TRUE(testing::ExposesStop<EventHandler>::value);
  EXPECT_TRUE(testing::ExposesSetInterest<EventHandler>::value);
}

TEST_F(ConnectionTest, AbortInsideOnData) {
  TestConnection& connection = open();
  connection.data_hook = [&](std::string_view bytes) {
    connection.abort();
    connection.send("ignored");
    return bytes.size();
  };
  peer_send("boom");
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_FALSE(poller().watching(fd_));
  EXPECT_EQ(peer_read().bytes, "");
}

TEST_F(ConnectionTest, AbortInsideOnDataLeavesTheKeptBytesValidForTheCall) {
  TestConnection& connection = open();
  std::string seen_after_abort;
  connection.data_hook = [&](std::string_view bytes) -> std::size_t {
    if (bytes.size() < 4) return 0;
    connection.abort();
    seen_after_abort = std::string(bytes);  // still readable: the call owns the view
    return bytes.size();
  };
  peer_send("ab");
  readable();
  ASSERT_GT(connection.buffer_capacity(), 0u);
  peer_send("cd");
  readable();
  EXPECT_EQ(seen_after_abort, "abcd");
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(connection.buffer_capacity(), 0u);
}

TEST_F(ConnectionTest, AbortDiscardsQueuedOutput) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("never sent");
  connection.abort();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(connection.queued_bytes(), 0u);
  EXPECT_EQ(connection.buffer_capacity(), 0u);
  EXPECT_EQ(log_, (Log{"close", "release"}));
  const PeerRead read = peer_read();
  EXPECT_EQ(read.bytes, "");
  EXPECT_TRUE(read.eof || read.error == ECONNRESET);
}

TEST_F(ConnectionTest, CloseAndAbortAreIdempotentAndReleaseOnce) {
  TestConnection& connection = open();
  connection.close();
  connection.close();
  connection.abort();
  connection.shutdown();
  connection.send("ignored");
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(writes_, 0u);
}

TEST_F(ConnectionTest, ResetOnReadClosesOnceWithoutThrowing) {
  TestConnection& connection = open();
  fake_.script(Call::kRecv, Outcome::fail(ECONNRESET), fd_);
  EXPECT_NO_THROW(readable());
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kReset, ECONNRESET}}));
  EXPECT_NO_THROW(readable());  // nothing is watched any more
  EXPECT_EQ(log_.size(), 2u);
}

TEST_F(ConnectionTest, BrokenPipeOnSendClosesQuietly) {
  TestConnection& connection = open();
  pair_.close_peer();
  EXPECT_NO_THROW(connection.send("into the void"));  // a real EPIPE; SIGPIPE is ignored
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kReset, EPIPE}}));
}

TEST_F(ConnectionTest, BrokenPipeRaisesNoSigpipeEvenWhereTheProcessWantsIt) {
  TestConnection& connection = open();
  pair_.close_peer();
  EXPECT_EXIT(
      {
        std::signal(SIGPIPE, SIG_DFL);  // a program that wants SIGPIPE for its own pipes
        connection.send("into the void");
        std::_Exit(connection.closed() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ConnectionTest, ResetOnQueuedWriteClosesQuietly) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("queued");
  fake_.script(Call::kSend, Outcome::fail(ECONNRESET), fd_);
  EXPECT_NO_THROW(writable());
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
}

TEST_F(ConnectionTest, HangupWithNoInterestAborts) {
  TestConnection& connection = open();
  connection.peer_shutdown_hook = [] {};  // stay open, e.g. to send more later
  ASSERT_EQ(::shutdown(pair_.peer(), SHUT_WR), 0);
  readable();
  ASSERT_FALSE(connection.closed());
  ASSERT_EQ(poller().interest(fd_), kNoInterest);
  dispatch(kHangup);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"peer shutdown", "close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kPeerClosed, 0}}));
}

TEST_F(ConnectionTest, UnconsumedInputBeyondMaxInputAborts) {
  Connection::Limits limits;
  limits.max_input = 8;
  TestConnection& connection = open(limits);
  connection.data_hook = [](std::string_view) { return std::size_t{0}; };
  peer_send("12345678");
  readable();
  EXPECT_FALSE(connection.closed());  // exactly at the limit
  peer_send("9");
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kInputLimit, 0}}));
  EXPECT_EQ(connection.deliveries.back(), "123456789");  // offered once more before the abort
}

TEST_F(ConnectionTest, UnconsumedInputBeyondMaxInputInOneReadAborts) {
  Connection::Limits limits;
  limits.max_input = 8;
  TestConnection& connection = open(limits);
  connection.data_hook = [](std::string_view bytes) { return bytes.size() > 8 ? 0 : bytes.size(); };
  peer_send("123456789");
  readable();
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(connection.deliveries, (Log{"123456789"}));
}

TEST_F(ConnectionTest, PartlyConsumedInputIsPresentedAgainWithNewBytes) {
  TestConnection& connection = open();
  connection.data_hook = [&](std::string_view bytes) -> std::size_t {
    return connection.deliveries.size() == 1 ? 3 : bytes.size();
  };
  peer_send("abcdef");
  readable();
  EXPECT_GE(connection.buffer_capacity(), 3u);
  peer_send("gh");
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"abcdef", "defgh"}));
  EXPECT_EQ(connection.buffer_capacity(), 0u);
}

TEST_F(ConnectionTest, OverConsumingCountsAsEverything) {
  TestConnection& connection = open();
  connection.data_hook = [](std::string_view bytes) { return bytes.size() + 100; };
  peer_send("abc");
  readable();
  EXPECT_EQ(connection.buffer_capacity(), 0u);
  peer_send("d");
  readable();
  EXPECT_EQ(connection.deliveries, (Log{"abc", "d"}));
}

TEST_F(ConnectionTest, PollerRefusingAnInterestChangeAborts) {
  TestConnection& connection = open();
  block_next_write();
  poller().fail_next_registration(ENOMEM);
  EXPECT_NO_THROW(connection.send("needs kWrite"));
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons,
            (std::vector<CloseReason>{{CloseKind::kPollerRefused, ENOMEM}}));
}

// Output a ByteBuffer cannot hold (past 4 GiB, or no memory) aborts the connection instead of
// throwing out of send(): what was written already would leave a hole in the stream.
TEST_F(ConnectionTest, SendThatCannotBeQueuedAbortsTheConnection) {
  TestConnection& connection = open();
  // Address space only: readable zero pages, none of which is touched.
  const std::size_t size = (std::size_t{4} << 30) + 1;
  void* const region =
      ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  block_next_write();
  connection.send("queued first");
  EXPECT_NO_THROW(connection.send({static_cast<const char*>(region), size}));
  ::munmap(region, size);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(log_, (Log{"close", "release"}));
  EXPECT_EQ(connection.close_reasons, (std::vector<CloseReason>{{CloseKind::kBufferFailure, 0}}));
  EXPECT_EQ(connection.buffer_capacity(), 0u);
  EXPECT_FALSE(poller().watching(fd_));
}

TEST_F(ConnectionTest, DestroyedWhileOpenClosesTheSocketWithoutCallbacks) {
  TestConnection& connection = open();
  block_next_write();
  connection.send("discarded");
  connection_.reset();
  EXPECT_TRUE(log_.empty());
  EXPECT_FALSE(poller().watching(fd_));
  const PeerRead read = peer_read();
  EXPECT_EQ(read.bytes, "");
  EXPECT_TRUE(read.eof || read.error == ECONNRESET);
}

// Readiness fetched in the same batch as a handler that pauses our reading must not make us read
// (the reactor respects interest dropped earlier in the batch).
TEST_F(ConnectionTest, ReadinessFetchedBeforeAPauseInTheSameBatchIsIgnored) {
  Connection::Limits limits;
  limits.high_water_mark = 4;
  limits.low_water_mark = 0;
  TestConnection& paused = open(limits);
  testing::SocketPair other_pair;
  const int other_fd = other_pair.local();
  TestConnection other(Socket(other_pair.release_local()), {}, log_);
  other.start(reactor_);
  other.data_hook = [&](std::string_view bytes) {
    block_next_write();
    paused.send("past the mark");
    return bytes.size();
  };
  other_pair.send_to_local("pause the other one");
  peer_send("too late");
  poller().inject(other_fd, kReadable);
  poller().inject(fd_, kReadable);
  reactor_.run_once(kNoWait);
  EXPECT_TRUE(paused.deliveries.empty());
  EXPECT_TRUE(paused.reading_paused());
  writable();
  EXPECT_EQ(peer_read().bytes, "past the mark");
  readable();
  EXPECT_EQ(paused.deliveries, (Log{"too late"}));
}

TEST_F(ConnectionTest, SendBeforeStartIsRegisteredByStart) {
  fd_ = pair_.local();
  TestConnection connection(Socket(pair_.release_local()), {}, log_);
  block_next_write();
  connection.send("early");
  connection.start(reactor_);
  EXPECT_EQ(poller().interest(fd_), kRead | kWrite);
  writable();
  EXPECT_EQ(peer_read().bytes, "early");
  connection.close();
}

// A loopback TCP connection: the accepted end for a Connection, the client end for the test.
struct TcpPair {
  TcpPair() {
    const auto loopback = InetAddress::parse("127.0.0.1", 0);
    Socket listener = listen_tcp(*loopback);
    client = connect_tcp(*InetAddress::local_of(listener.fd()));
    accepted = Socket(::accept4(listener.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  }
  Socket client;
  Socket accepted;
};

void set_buffer_size(const Socket& socket, int option, int bytes) {
  ASSERT_EQ(::setsockopt(socket.fd(), SOL_SOCKET, option, &bytes, sizeof bytes), 0);
}

// A pipelining client: its next request is already on the way when the server answers the first
// one and closes. The reply must arrive whole and end in an orderly EOF: a close with the next
// request unread would make the kernel reset the connection and drop the reply's unsent part.
TEST(ConnectionOverTcp, CloseWithUnreadInputDeliversTheWholeReplyThenEof) {
  Reactor reactor;
  TcpPair tcp;
  ASSERT_TRUE(tcp.accepted.valid());
  // Small fixed buffers (no autotuning), so most of the reply is still queued at close().
  set_buffer_size(tcp.accepted, SO_SNDBUF, 16 << 10);
  set_buffer_size(tcp.client, SO_RCVBUF, 16 << 10);
  std::string reply(256 << 10, '\0');
  for (std::size_t i = 0; i < reply.size(); ++i)
    reply[i] = static_cast<char>('a' + i % 26);

  std::vector<std::string> log;
  TestConnection connection(std::move(tcp.accepted), {}, log);
  connection.data_hook = [&](std::string_view bytes) {
    connection.send(reply);
    connection.close();
    return bytes.size();
  };
  connection.start(reactor);

  const std::string request = "request\n" + std::string(64 << 10, 'p');
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const auto in_time = [&] { return std::chrono::steady_clock::now() < deadline; };
  // The client reads nothing until it has written all of its input.
  std::size_t written = 0;
  while (written < request.size() && in_time()) {
    const ssize_t n =
        ::send(tcp.client.fd(), request.data() + written, request.size() - written, MSG_NOSIGNAL);
    if (n > 0) written += static_cast<std::size_t>(n);
    reactor.run_once(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(written, request.size()) << "the client could not write all of its input";
  EXPECT_TRUE(log.empty());  // still flushing

  PeerRead received;
  while (!received.eof && in_time()) {
    const PeerRead chunk = read_all(tcp.client.fd());
    received.bytes += chunk.bytes;
    received.eof = chunk.eof;
    received.error = chunk.error;
    if (received.error != EAGAIN) break;
    reactor.run_once(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(received.error, 0) << std::strerror(received.error);
  EXPECT_TRUE(received.eof);
  EXPECT_EQ(received.bytes.size(), reply.size());
  EXPECT_TRUE(received.bytes == reply);
  EXPECT_EQ(connection.deliveries.size(), 1u);  // what came after close() was not delivered

  // The client's own close ends the linger.
  tcp.client.reset();
  while (log.empty() && in_time())
    reactor.run_once(std::chrono::milliseconds(1));
  EXPECT_EQ(log, (Log{"close"}));
}

TEST(ConnectionOverTcp, KnowsBothAddressesWhileOpenAndNoneOnceClosed) {
  Reactor reactor;
  TcpPair tcp;
  ASSERT_TRUE(tcp.accepted.valid());
  const auto client_local = SocketAddress::local_of(tcp.client.fd());
  const auto server_local = SocketAddress::local_of(tcp.accepted.fd());
  std::vector<std::string> log;
  TestConnection connection(std::move(tcp.accepted), {}, log);
  connection.start(reactor);
  EXPECT_EQ(connection.peer_address(), client_local);
  EXPECT_EQ(connection.local_address(), server_local);
  EXPECT_EQ(connection.local_address()->to_string().rfind("127.0.0.1:", 0), 0u);
  connection.abort();
  EXPECT_EQ(connection.peer_address(), std::nullopt);
  EXPECT_EQ(connection.local_address(), std::nullopt);
}

// Over TCP, abort() is visible to the peer as a reset rather than an orderly end of stream.
TEST(ConnectionOverTcp, AbortResetsThePeer) {
  Reactor reactor;
  const auto loopback = InetAddress::parse("127.0.0.1", 0);
  ASSERT_TRUE(loopback);
  Socket listener = listen_tcp(*loopback);
  const auto bound = InetAddress::local_of(listener.fd());
  ASSERT_TRUE(bound);
  Socket client = connect_tcp(*bound);
  Socket accepted(::accept4(listener.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  ASSERT_TRUE(accepted.valid());

  std::vector<std::string> log;
  TestConnection connection(std::move(accepted), {}, log);
  connection.start(reactor);
  connection.abort();
  EXPECT_EQ(log, (Log{"close"}));

  pollfd entry{client.fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&entry, 1, 5000), 1);
  char byte;
  const ssize_t n = ::read(client.fd(), &byte, 1);
  const int error = errno;
  EXPECT_EQ(n, -1);
  EXPECT_EQ(error, ECONNRESET);
}

}  // namespace
}  // namespace reactor
