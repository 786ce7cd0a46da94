// RelayConnection pairs on the test kit: two relay sides on socket pairs, a MockPoller and a
// ManualClock, readiness injected by the test, writes blocked through FakeSyscalls. Covers the
// relay's own logic: bytes both ways, pause and resume across the pair, half-close ordering and
// how one side's close reaches the other.
#include "apps/tcp_proxy/relay_connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/testing/fake_syscalls.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"
#include "reactor/testing/socket_pair.h"

namespace proxy {
namespace {

using reactor::CloseKind;
using reactor::CloseReason;
using reactor::kNoInterest;
using reactor::kRead;
using reactor::kReadable;
using reactor::kWritable;
using reactor::kWrite;
using Call = reactor::testing::FakeSyscalls::Call;
using Outcome = reactor::testing::FakeSyscalls::Outcome;

// A relay side that remembers why it closed.
class RecordingRelay final : public RelayConnection {
 public:
  using RelayConnection::RelayConnection;
  std::optional<CloseReason> closed_with;

 private:
  void on_close(CloseReason reason) override {
    closed_with = reason;
    RelayConnection::on_close(reason);
  }
};

// What a peer end can read now: the bytes, and whether they end in EOF.
struct PeerRead {
  std::string bytes;
  bool eof = false;
};

PeerRead read_now(int fd) {
  PeerRead result;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n <= 0) {
      result.eof = n == 0;
      return result;
    }
    result.bytes.append(chunk, static_cast<std::size_t>(n));
  }
}

class RelayConnectionTest : public ::testing::Test {
 protected:
  RelayConnectionTest() : reactor_(std::make_unique<reactor::testing::MockPoller>(), clock_) {}

  // Joined sides on the local ends of two socket pairs, with water marks of 10 and 0 bytes.
  void open() {
    reactor::Connection::Limits limits;
    limits.high_water_mark = 10;
    limits.low_water_mark = 0;
    client_fd_ = client_pair_.local();
    upstream_fd_ = upstream_pair_.local();
    client_ =
        std::make_unique<RecordingRelay>(reactor::Socket(client_pair_.release_local()), limits);
    upstream_ =
        std::make_unique<RecordingRelay>(reactor::Socket(upstream_pair_.release_local()), limits);
    client_->start(reactor_);
    upstream_->start(reactor_);
    RelayConnection::join(*client_, *upstream_);
  }

  reactor::testing::MockPoller& poller() {
    return static_cast<reactor::testing::MockPoller&>(reactor_.poller());
  }
  void dispatch(int fd, reactor::Readiness readiness) {
    poller().inject(fd, readiness);
    reactor_.run_once(std::chrono::milliseconds(0));
  }
  void block_next_write(int fd) { fake_.script(Call::kSend, Outcome::fail(EAGAIN), fd); }

  reactor::testing::FakeSyscalls fake_;
  reactor::ScopedSyscalls scoped_{fake_};
  reactor::testing::ManualClock clock_;
  reactor::Reactor reactor_;
  reactor::testing::SocketPair client_pair_;
  reactor::testing::SocketPair upstream_pair_;
  int client_fd_ = -1;
  int upstream_fd_ = -1;
  std::unique_ptr<RecordingRelay> client_;
  std::unique_ptr<RecordingRelay> upstream_;
};

TEST_F(RelayConnectionTest, BytesReadOnEitherSideAreSentOnTheOther) {
  open();
  client_pair_.send_to_local("to the upstream");
  dispatch(client_fd_, kReadable);
  EXPECT_EQ(read_now(upstream_pair_.peer()).bytes, "to the upstream");

  upstream_pair_.send_to_local("to the client");
  dispatch(upstream_fd_, kReadable);
  EXPECT_EQ(read_now(client_pair_.peer()).bytes, "to the client");
}

TEST_F(RelayConnectionTest, ASideOverItsHighWaterMarkPausesItsPartnerButGoesOnReading) {
  open();
  block_next_write(upstream_fd_);
  client_pair_.send_to_local("eleven byte");
  dispatch(client_fd_, kReadable);
  EXPECT_EQ(upstream_->queued_bytes(), 11u);
  EXPECT_TRUE(client_->paused_by_user());
  EXPECT_EQ(poller().interest(client_fd_), kNoInterest);
  // The upstream side still reads its own peer: only its partner produces its output.
  EXPECT_EQ(poller().interest(upstream_fd_), kRead | kWrite);
  upstream_pair_.send_to_local("reply");
  dispatch(upstream_fd_, kReadable);
  EXPECT_EQ(read_now(client_pair_.peer()).bytes, "reply");
}

TEST_F(RelayConnectionTest, ThePausedPartnerResumesOnceTheOutputHasDrained) {
  open();
  block_next_write(upstream_fd_);
  client_pair_.send_to_local("eleven byte");
  dispatch(client_fd_, kReadable);
  client_pair_.send_to_local("waits in the kernel");
  dispatch(client_fd_, kReadable);
  EXPECT_EQ(read_now(upstream_pair_.peer()).bytes, "");

  dispatch(upstream_fd_, kWritable);
  EXPECT_FALSE(client_->reading_paused());
  EXPECT_EQ(poller().interest(client_fd_), kRead);
  dispatch(client_fd_, kReadable);
  EXPECT_EQ(read_now(upstream_pair_.peer()).bytes, "eleven bytewaits in the kernel");
}

TEST_F(RelayConnectionTest, AClientEofShutsTheUpstreamWritingOnlyAfterTheBytesBeforeIt) {
  open();
  block_next_write(upstream_fd_);
  client_pair_.send_to_local("last words");
  ::shutdown(client_pair_.peer(), SHUT_WR);
  dispatch(client_fd_, kReadable);  // the bytes, queued for the upstream
  dispatch(client_fd_, kReadable);  // the EOF
  PeerRead upstream_read = read_now(upstream_pair_.peer());
  EXPECT_EQ(upstream_read.bytes, "");
  EXPECT_FALSE(upstream_read.eof);

  dispatch(upstream_fd_, kWritable);
  upstream_read = read_now(upstream_pair_.peer());
  EXPECT_EQ(upstream_read.bytes, "last words");
  EXPECT_TRUE(upstream_read.eof);
  EXPECT_FALSE(client_->closed());
  EXPECT_FALSE(upstream_->closed());
}

TEST_F(RelayConnectionTest, AfterAHalfCloseTheOtherDirectionFlowsAndBothEofsCloseThePair) {
  open();
  ::shutdown(client_pair_.peer(), SHUT_WR);
  dispatch(client_fd_, kReadable);
  EXPECT_TRUE(read_now(upstream_pair_.peer()).eof);

  upstream_pair_.send_to_local("the reply");
  ::shutdown(upstream_pair_.peer(), SHUT_WR);
  dispatch(upstream_fd_, kReadable);
  dispatch(upstream_fd_, kReadable);
  const PeerRead client_read = read_now(client_pair_.peer());
  EXPECT_EQ(client_read.bytes, "the reply");
  EXPECT_TRUE(client_read.eof);
  ASSERT_TRUE(client_->closed_with.has_value());
  ASSERT_TRUE(upstream_->closed_with.has_value());
  EXPECT_FALSE(client_->closed_with->abnormal());
  EXPECT_FALSE(upstream_->closed_with->abnormal());
}

TEST_F(RelayConnectionTest, AResetOnOneSideAbortsTheOtherWithTheSameReason) {
  open();
  // A Unix socket whose peer closes with unread bytes in its queue reads ECONNRESET.
  ASSERT_EQ(::send(client_fd_, "x", 1, 0), 1);
  client_pair_.close_peer();
  dispatch(client_fd_, kReadable);
  ASSERT_TRUE(client_->closed_with.has_value());
  EXPECT_EQ(client_->closed_with->kind, CloseKind::kReset);
  ASSERT_TRUE(upstream_->closed_with.has_value());
  EXPECT_EQ(*upstream_->closed_with, *client_->closed_with);
  EXPECT_FALSE(poller().watching(upstream_fd_));
}

TEST_F(RelayConnectionTest, AnAbortedSideAbortsItsPartnerEvenWhileThePartnerFlushes) {
  open();
  block_next_write(client_fd_);
  upstream_pair_.send_to_local("queued for the client");
  dispatch(upstream_fd_, kReadable);
  ASSERT_GT(client_->queued_bytes(), 0u);
  upstream_->abort();
  ASSERT_TRUE(client_->closed_with.has_value());
  EXPECT_EQ(client_->closed_with->kind, CloseKind::kAborted);
}

TEST_F(RelayConnectionTest, AGracefulCloseOfOneSideClosesTheOtherGracefully) {
  open();
  upstream_->close();  // flushed at once; lingers for its peer's EOF
  EXPECT_TRUE(read_now(upstream_pair_.peer()).eof);
  EXPECT_FALSE(client_->closing());
  ::shutdown(upstream_pair_.peer(), SHUT_WR);
  dispatch(upstream_fd_, kReadable);
  ASSERT_TRUE(upstream_->closed_with.has_value());
  EXPECT_EQ(upstream_->closed_with->kind, CloseKind::kLocalClose);
  EXPECT_TRUE(client_->closing());
  EXPECT_TRUE(read_now(client_pair_.peer()).eof);
}

}  // namespace
}  // namespace proxy
