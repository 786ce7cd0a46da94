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

// A read or write that failed with `error`: the peer's reset, or another failure.
CloseReason io_failure(int error, CloseKind otherwise) {
  return {error == ECONNRESET || error == EPIPE ? CloseKind::kReset : otherwise, error};
}

constexpr CloseReason kBufferFailure{CloseKind::kBufferFailure, 0};

std::uint32_t saturated(std::uint64_t value) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, UINT32_MAX));
}

std::uint32_t milliseconds_kept(std::chrono::milliseconds duration) {
  return saturated(std::max<std::int64_t>(duration.count(), 0));
}

}  // namespace

// Bounds the phases of a close: the flush (Limits::flush_timeout) and the linger. It also keeps
// the reactor of a parked connection, which is deregistered until it resumes reading.
class Connection::CloseTimer final : public TimerHandler {
 public:
  CloseTimer(Connection& connection, Reactor& reactor)
      : connection_(connection), reactor_(reactor) {}

  Reactor& reactor() const { return reactor_; }

 private:
  // Closing the connection destroys this timer: nothing may follow the call.
  void on_timer() override { connection_.close_timer_expired(); }

  Connection& connection_;
  Reactor& reactor_;
};

Connection::KeptLimits::KeptLimits(const Limits& limits)
    : high_water_mark(saturated(limits.high_water_mark)),
      low_water_mark(saturated(limits.low_water_mark)),
      max_input(saturated(limits.max_input)),
      linger_timeout_ms(milliseconds_kept(limits.linger_timeout)),
      flush_timeout_ms(milliseconds_kept(limits.flush_timeout)) {}

Connection::Connection(Socket socket, const Limits& limits)
    : socket_(std::move(socket)),
      limits_(limits),
      pause_at_high_water_(limits.pause_at_high_water) {}

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
  // No test for empty bytes on the per-message path: sending nothing is rare, and harmless (the
  // kernel takes all of nothing).
  if (state_ != State::kOpen) return;
  if (!output_.empty()) {
    queue(bytes);
    return;
  }
  // One send straight to the socket. All but "the kernel took everything" is handled out of
  // line, so the per-message path is little more than the call (see docs/benchmarks.md).
  const ssize_t written = send_once(socket_.fd(), bytes);
  if (static_cast<std::size_t>(written) != bytes.size()) {
    send_rest(bytes, written);
  } else if (output_is_activity_) {
    output_activity();
  }
}

void Connection::send_rest(std::string_view bytes, ssize_t written) {
  written = settle_send(socket_.fd(), bytes, written);
  if (written < 0) {
    abort(io_failure(errno, CloseKind::kWriteError));
    return;
  }
  if (written > 0 && output_is_activity_) output_activity();
  bytes.remove_prefix(static_cast<std::size_t>(written));
  queue(bytes);
}

void Connection::output_activity() {
  idle_tracker_->touch(*this);
}

void Connection::queue(std::string_view bytes) {
  // Output that cannot be queued leaves a hole in the stream: the connection cannot go on.
  if (!try_append(output_, bytes)) {
    abort(kBufferFailure);
    return;
  }
  update_interest();
}

void Connection::shutdown() {
  if (state_ != State::kOpen) return;
  state_ = State::kShuttingDown;
  if (output_.empty()) {
    output_flushed();
  } else {
    bound_flush();
  }
}

void Connection::close() {
  if (state_ >= State::kClosing) return;
  state_ = State::kClosing;
  input_.clear();  // on_data() will not see it
  if (output_.empty()) {
    finish_close();
  } else {
    bound_flush();
    update_interest();
  }
}

void Connection::abort(CloseReason reason) {
  if (state_ == State::kClosed) return;
  if (socket_.valid()) socket_.set_linger_reset();
  close_now(reason);
}

void Connection::pause_reading() {
  if (paused_by_user_ || state_ >= State::kClosing) return;
  paused_by_user_ = true;
  update_interest();
}

void Connection::resume_reading() {
  if (!paused_by_user_) return;
  paused_by_user_ = false;
  if (!parked_) {
    update_interest();
    return;
  }
  parked_ = false;
  try {
    EventHandler::start(close_timer_->reactor(), socket_.fd(), wanted_interest());
  } catch (const std::system_error& error) {
    abort({CloseKind::kPollerRefused, error.code().value()});
  }
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
      // A reset or other failure: nothing more to do with it.
      if (!would_block(errno)) abort(io_failure(errno, CloseKind::kReadError));
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
    abort(io_failure(errno, CloseKind::kWriteError));
    return;
  }
  // Output flushed while closing is no sign of life, as discarded input is not.
  if (written > 0 && output_is_activity_ && state_ < State::kClosing) output_activity();
  output_.consume(static_cast<std::size_t>(written));
  const bool drained = output_.empty();
  if (drained) output_flushed();
  if (closed()) return;
  update_interest();
  if (drained && state_ == State::kOpen) on_drained();
}

void Connection::on_error() {
  // An error or hang-up with no interest held: reading is paused, or the peer's EOF was read,
  // and nothing is queued. SO_ERROR tells a reset from a hang-up of both directions.
  const int error = socket_.pending_error().value();
  if (error != 0) {
    abort(io_failure(error, CloseKind::kReadError));
    return;
  }
  // Both directions are shut, but input the user has not read yet may wait in the socket, ending
  // in the peer's EOF: parked (deregistered, since a level-triggered hang-up would be reported
  // again and again) until resume_reading() reads it.
  if (paused_by_user_ && !peer_shut_down_ && state_ < State::kClosing && make_close_timer()) {
    parked_ = true;
    stop();
    return;
  }
  abort({peer_shut_down_ ? CloseKind::kPeerClosed : CloseKind::kReset, 0});
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
    abort(kBufferFailure);
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
  if (input_.size() + unconsumed.size() > limits_.max_input) {
    abort({CloseKind::kInputLimit, 0});
  } else if (!try_append(input_, unconsumed)) {
    abort(kBufferFailure);
  }
}

void Connection::peer_shut_down() {
  peer_shut_down_ = true;
  if (state_ >= State::kClosing) {
    // No callback once closing; nothing more can arrive, so the close no longer needs to wait.
    if (output_.empty()) {
      close_now(graceful_reason());
    } else {
      update_interest();
    }
    return;
  }
  peer_closed_first_ = state_ == State::kOpen;
  update_interest();
  if (closed()) return;
  on_peer_shutdown();
  // Our write side already shut and the peer's too: nothing can happen on this connection again.
  if (state_ == State::kShuttingDown && output_.empty()) close_now(graceful_reason());
}

void Connection::output_flushed() {
  if (state_ == State::kClosing) {
    finish_close();
  } else if (state_ == State::kShuttingDown) {
    close_timer_.reset();  // the flush it bounded is done
    socket_.shutdown_write();
    if (peer_shut_down_) close_now(graceful_reason());
  }
}

void Connection::finish_close() {
  // Lingering needs a loop to wait on, and is pointless once the peer can send nothing more. A
  // timer that cannot be made is as if lingering were off.
  if (peer_shut_down_ || limits_.linger_timeout_ms == 0 || !active() ||
      !start_close_timer(limits_.linger_timeout_ms)) {
    close_now(graceful_reason());
    return;
  }
  state_ = State::kLingering;
  socket_.shutdown_write();
  update_interest();
}

void Connection::bound_flush() {
  // From the first of shutdown() and close(): a close after a shutdown keeps the running bound.
  if (limits_.flush_timeout_ms == 0 || (close_timer_ && close_timer_->active())) return;
  start_close_timer(limits_.flush_timeout_ms);  // a timer that cannot be made: no bound
}

bool Connection::make_close_timer() {
  if (close_timer_) return true;
  if (!active()) return false;  // never started: no loop to wait on
  try {
    close_timer_ = std::make_unique<CloseTimer>(*this, *reactor());
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

bool Connection::start_close_timer(std::uint32_t timeout_ms) {
  if (!make_close_timer()) return false;
  close_timer_->start(close_timer_->reactor(), std::chrono::milliseconds(timeout_ms));
  return true;
}

void Connection::close_timer_expired() {
  if (state_ == State::kLingering) {
    close_now(graceful_reason());  // the reply is out; the peer's EOF did not come in time
  } else {
    abort({CloseKind::kFlushTimeout, 0});  // the peer did not take the output in time
  }
}

void Connection::idle_timeout() {
  if (state_ < State::kClosing) {
    on_idle();
  } else if (output_.empty()) {
    close_now(graceful_reason());  // lingering: the reply is out, only the peer's EOF is missing
  } else {
    abort({CloseKind::kIdleTimeout, 0});  // the peer takes no output: the reply cannot be delivered
  }
}

CloseReason Connection::graceful_reason() const {
  return {peer_closed_first_ ? CloseKind::kPeerClosed : CloseKind::kLocalClose, 0};
}

void Connection::close_now(CloseReason reason) {
  state_ = State::kClosed;
  // Deregistered before the socket closes, so the poller never holds a closed (or reused) fd.
  stop();
  parked_ = false;
  if (idle_tracker_ != nullptr) idle_tracker_->remove(*this);
  close_timer_.reset();  // may be the caller: see CloseTimer::on_timer()
  input_.clear();
  output_.clear();
  socket_.reset();
  on_close(reason);
  if (owner_ == nullptr) return;
  owner_->closed(*this, reason);
  owner_->release(*this);
}

bool Connection::wants_input() const {
  if (state_ == State::kClosed || peer_shut_down_) return false;
  // Once closing, input is read only to be discarded, which queues no output: neither
  // backpressure nor a pause applies any more.
  return state_ >= State::kClosing || !(held_by_backpressure() || paused_by_user_);
}

Interest Connection::wanted_interest() const {
  Interest interest = kNoInterest;
  if (wants_input()) interest |= kRead;
  if (!output_.empty()) interest |= kWrite;
  return interest;
}

void Connection::update_interest() {
  bool crossed = false;
  if (output_.size() > limits_.high_water_mark) {
    crossed = !over_high_water_;
    over_high_water_ = true;
  } else if (output_.size() <= limits_.low_water_mark) {
    over_high_water_ = false;
  }
  try {
    set_interest(wanted_interest());
  } catch (const std::system_error& error) {
    // The poller refused the change (out of kernel memory): the connection cannot be served.
    abort({CloseKind::kPollerRefused, error.code().value()});
    return;
  }
  // Last, with the interest already right: the callback may send, pause, close or abort.
  if (crossed && state_ == State::kOpen) on_high_water(output_.size());
}

}  // namespace reactor
