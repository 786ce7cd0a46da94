#include "reactor/net/connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <system_error>

#include "reactor/core/reactor.h"
#include "reactor/core/syscalls.h"
#include "reactor/core/timer.h"
#include "reactor/net/idle_tracker.h"

namespace reactor {

// The benchmark target is under 256 bytes of RSS per idle connection, and an idle connection
// holds no buffer memory, so the object itself is most of that budget.
static_assert(sizeof(Connection) <= 192, "Connection grew past its per-connection memory budget");

namespace {

constexpr std::size_t kReadBufferSize = 64 << 10;
// Full reads on one wakeup before the loop moves on to other handlers.
constexpr int kMaxReadsPerWakeup = 4;

// One read buffer per thread, shared by every connection on it: on_data() is done with the
// bytes before the next read on this thread.
char* read_buffer() {
  thread_local const std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
  return buffer.get();
}

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK;
}

// recv(), retried on EINTR.
ssize_t receive_some(int fd, char* buffer, std::size_t size) {
  return retry_on_eintr([=] { return sys().recv(fd, buffer, size, 0); });
}

// One send(). MSG_NOSIGNAL: a reset peer makes it fail with EPIPE, whatever the process's SIGPIPE
// disposition.
ssize_t send_once(int fd, std::string_view bytes) {
  return sys().send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

// After a send() of `bytes` returned `sent`: retries it while it fails with EINTR, and counts a
// full socket buffer as 0 bytes taken; -1 is an error that ends the connection.
ssize_t settle_send(int fd, std::string_view bytes, ssize_t sent) {
  if (sent < 0) sent = retry_while_interrupted([=] { return send_once(fd, bytes); }, sent);
  return sent >= 0 || !would_block(errno) ? sent : 0;
}

// Appends, or returns false if the buffer cannot take the bytes (out of memory, or past its
// 4 GiB bound); the buffer is then unchanged.
bool try_append(ByteBuffer& buffer, std::string_view bytes) {
  try {
    buffer.append(bytes);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  } catch (const std::length_error&) {
    return false;
  }
}

std::uint32_t saturated(std::uint64_t value) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, UINT32_MAX));
}

}  // namespace

// Ends a linger that the peer's EOF did not end first.
class Connection::LingerTimer final : public TimerHandler {
 public:
  explicit LingerTimer(Connection& connection) : connection_(connection) {}

 private:
  // close_now() destroys this timer: nothing may follow the call.
  void on_timer() override { connection_.close_now(); }

  Connection& connection_;
};

Connection::KeptLimits::KeptLimits(const Limits& limits)
    : high_water_mark(saturated(limits.high_water_mark)),
      low_water_mark(saturated(limits.low_water_mark)),
      max_input(saturated(limits.max_input)),
      linger_timeout_ms(saturated(std::max<std::int64_t>(limits.linger_timeout.count(), 0))) {}

Connection::Connection(Socket socket, const Limits& limits)
    : socket_(std::move(socket)), limits_(limits) {}

Connection::~Connection() {
  if (state_ == State::kClosed) return;
  // No on_close(): the subclass is already destroyed. Deregistered here, before the socket
  // member closes the fd; the linger timer member stops itself.
  stop();
  if (idle_tracker_ != nullptr) idle_tracker_->remove(*this);
  if (socket_.valid()) socket_.set_linger_reset();
}

void Connection::start(Reactor& reactor) {
  EventHandler::start(reactor, socket_.fd(), wanted_interest());
}

void Connection::set_owner(ConnectionOwner* owner, std::size_t tag) {
  owner_ = owner;
  owner_tag_ = tag;
}

void Connection::send(std::string_view bytes) {
  if (state_ != State::kOpen || bytes.empty()) return;
  if (!output_.empty()) {
    queue(bytes);
    return;
  }
  // One send straight to the socket. All but "the kernel took everything" is handled out of
  // line, so the per-message path is little more than the call (see docs/benchmarks.md).
  const ssize_t written = send_once(socket_.fd(), bytes);
  if (static_cast<std::size_t>(written) != bytes.size()) send_rest(bytes, written);
}

void Connection::send_rest(std::string_view bytes, ssize_t written) {
  written = settle_send(socket_.fd(), bytes, written);
  if (written < 0) {
    abort();
    return;
  }
  bytes.remove_prefix(static_cast<std::size_t>(written));
  queue(bytes);
}

void Connection::queue(std::string_view bytes) {
  // Output that cannot be queued leaves a hole in the stream: the connection cannot go on.
  if (!try_append(output_, bytes)) {
    abort();
    return;
  }
  update_interest();
}

void Connection::shutdown() {
  if (state_ != State::kOpen) return;
  state_ = State::kShuttingDown;
  if (output_.empty()) output_flushed();
}

void Connection::close() {
  if (state_ >= State::kClosing) return;
  state_ = State::kClosing;
  input_.clear();  // on_data() will not see it
  if (output_.empty()) {
    finish_close();
  } else {
    update_interest();
  }
}

void Connection::abort() {
  if (state_ == State::kClosed) return;
  if (socket_.valid()) socket_.set_linger_reset();
  close_now();
}

void Connection::on_readable() {
  char* const buffer = read_buffer();
  for (int reads = 0; reads < kMaxReadsPerWakeup; ++reads) {
    const ssize_t n = receive_some(socket_.fd(), buffer, kReadBufferSize);
    if (n == 0) {
      peer_shut_down();
      return;
    }
    if (n < 0) {
      if (!would_block(errno)) abort();  // reset or other failure: nothing more to do with it
      return;
    }
    // Once closing, input is discarded, and is no sign of life for the idle tracker: a peer
    // that only sends cannot hold a closing connection open.
    if (state_ < State::kClosing) {
      if (idle_tracker_ != nullptr) idle_tracker_->touch(*this);
      deliver({buffer, static_cast<std::size_t>(n)});
    }
    // A short read drained the socket; level-triggered polling reports the next bytes, so
    // reading again would only cost a syscall that returns EAGAIN. update_interest() holds kRead
    // exactly while input is wanted, and a closed connection holds no interest: one bit test
    // instead of re-deriving wants_input().
    if (static_cast<std::size_t>(n) < kReadBufferSize || !interest().contains(kRead)) return;
  }
}

void Connection::on_writable() {
  if (output_.empty()) return;
  const std::string_view queued = output_.view();
  const ssize_t written = settle_send(socket_.fd(), queued, send_once(socket_.fd(), queued));
  if (written < 0) {
    abort();
    return;
  }
  output_.consume(static_cast<std::size_t>(written));
  if (output_.empty()) output_flushed();
  if (!closed()) update_interest();
}

void Connection::on_error() {
  abort();
}

void Connection::deliver(std::string_view fresh) {
  if (!input_.empty()) {
    deliver_after_kept(fresh);
    return;
  }
  // The common case: on_data() sees the bytes where they were read, and takes them all.
  const std::size_t consumed = on_data(fresh);
  if (consumed < fresh.size()) keep(fresh.substr(consumed));
}

void Connection::deliver_after_kept(std::string_view fresh) {
  // Moved out for the call, so that a close() inside on_data() cannot free the bytes it sees.
  ByteBuffer pending = std::move(input_);
  if (!try_append(pending, fresh)) {
    abort();
    return;
  }
  const std::size_t consumed = on_data(pending.view());
  if (state_ >= State::kClosing) return;
  pending.consume(consumed);
  input_ = std::move(pending);
  keep({});  // applies the input limit to what is now kept
}

void Connection::keep(std::string_view unconsumed) {
  if (state_ >= State::kClosing) return;  // closed or closing inside on_data(): nothing to keep
  if (input_.size() + unconsumed.size() > limits_.max_input || !try_append(input_, unconsumed)) {
    abort();
  }
}

void Connection::peer_shut_down() {
  peer_shut_down_ = true;
  if (state_ >= State::kClosing) {
    // No callback once closing; nothing more can arrive, so the close no longer needs to wait.
    if (output_.empty()) {
      close_now();
    } else {
      update_interest();
    }
    return;
  }
  update_interest();
  if (closed()) return;
  on_peer_shutdown();
  // Our write side already shut and the peer's too: nothing can happen on this connection again.
  if (state_ == State::kShuttingDown && output_.empty()) close_now();
}

void Connection::output_flushed() {
  if (state_ == State::kClosing) {
    finish_close();
  } else if (state_ == State::kShuttingDown) {
    socket_.shutdown_write();
    if (peer_shut_down_) close_now();
  }
}

void Connection::finish_close() {
  // Lingering needs a loop to wait on, and is pointless once the peer can send nothing more.
  if (peer_shut_down_ || limits_.linger_timeout_ms == 0 || !active()) {
    close_now();
    return;
  }
  try {
    linger_timer_ = std::make_unique<LingerTimer>(*this);
  } catch (const std::bad_alloc&) {
    close_now();  // as if lingering were off
    return;
  }
  state_ = State::kLingering;
  socket_.shutdown_write();
  linger_timer_->start(*reactor(), std::chrono::milliseconds(limits_.linger_timeout_ms));
  update_interest();
}

void Connection::idle_timeout() {
  if (state_ < State::kClosing) {
    on_idle();
  } else if (output_.empty()) {
    close_now();  // lingering: the reply is out, only the peer's EOF is missing
  } else {
    abort();  // the peer takes no output: the reply cannot be delivered
  }
}

void Connection::close_now() {
  state_ = State::kClosed;
  // Deregistered before the socket closes, so the poller never holds a closed (or reused) fd.
  stop();
  if (idle_tracker_ != nullptr) idle_tracker_->remove(*this);
  linger_timer_.reset();  // may be the caller: see LingerTimer::on_timer()
  input_.clear();
  output_.clear();
  socket_.reset();
  on_close();
  if (owner_ != nullptr) owner_->release(*this);
}

bool Connection::wants_input() const {
  if (state_ == State::kClosed || peer_shut_down_) return false;
  // Once closing, input is read only to be discarded, which queues no output: backpressure no
  // longer applies.
  return state_ >= State::kClosing || !reading_paused_;
}

Interest Connection::wanted_interest() const {
  Interest interest = kNoInterest;
  if (wants_input()) interest |= kRead;
  if (!output_.empty()) interest |= kWrite;
  return interest;
}

void Connection::update_interest() {
  if (output_.size() > limits_.high_water_mark) {
    reading_paused_ = true;
  } else if (output_.size() <= limits_.low_water_mark) {
    reading_paused_ = false;
  }
  try {
    set_interest(wanted_interest());
  } catch (const std::system_error&) {
    // The poller refused the change (out of kernel memory): the connection cannot be served.
    abort();
  }
}

}  // namespace reactor
