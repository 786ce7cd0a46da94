#include "reactor/net/connection.h"

#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <system_error>

#include "reactor/core/syscalls.h"
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

// One send(), retried on EINTR. MSG_NOSIGNAL: a reset peer makes it fail with EPIPE, whatever the
// process's SIGPIPE disposition.
ssize_t send_once(int fd, std::string_view bytes) {
  return retry_on_eintr([=] { return sys().send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL); });
}

// send() as above, but a full socket buffer is 0 bytes taken; -1 is an error that ends the
// connection.
ssize_t send_some(int fd, std::string_view bytes) {
  const ssize_t n = send_once(fd, bytes);
  return n >= 0 || !would_block(errno) ? n : 0;
}

}  // namespace

Connection::Connection(Socket socket, const Limits& limits)
    : socket_(std::move(socket)), limits_(limits) {}

Connection::~Connection() {
  if (state_ == State::kClosed) return;
  // No on_close(): the subclass is already destroyed. The socket member closes itself.
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
  // line, which keeps the per-message path to a few instructions around the call.
  const ssize_t written = send_once(socket_.fd(), bytes);
  if (static_cast<std::size_t>(written) != bytes.size()) send_rest(bytes, written);
}

void Connection::send_rest(std::string_view bytes, ssize_t written) {
  if (written < 0 && would_block(errno)) written = 0;
  if (written < 0) {
    abort();
    return;
  }
  bytes.remove_prefix(static_cast<std::size_t>(written));
  queue(bytes);
}

void Connection::queue(std::string_view bytes) {
  output_.append(bytes);
  update_interest();
}

void Connection::shutdown() {
  if (state_ != State::kOpen) return;
  state_ = State::kShuttingDown;
  if (output_.empty()) output_flushed();
}

void Connection::close() {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  state_ = State::kClosing;
  if (output_.empty()) {
    close_now();
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
    if (idle_tracker_ != nullptr) idle_tracker_->touch(*this);
    if (!deliver({buffer, static_cast<std::size_t>(n)})) return;
    // A short read drained the socket; level-triggered polling reports the next bytes, so
    // reading again would only cost a syscall that returns EAGAIN.
    if (static_cast<std::size_t>(n) < kReadBufferSize) return;
  }
}

void Connection::on_writable() {
  if (output_.empty()) return;
  const ssize_t written = send_some(socket_.fd(), output_.view());
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

bool Connection::deliver(std::string_view fresh) {
  if (!input_.empty()) return deliver_after_kept(fresh);
  // The common case: on_data() sees the bytes where they were read, and takes them all.
  const std::size_t consumed = on_data(fresh);
  if (consumed < fresh.size() && !closed()) return keep(fresh.substr(consumed));
  // update_interest() holds kRead exactly while input is wanted, and a closed connection holds
  // no interest: one bit test instead of re-deriving wants_input().
  return interest().contains(kRead);
}

bool Connection::deliver_after_kept(std::string_view fresh) {
  // Moved out for the call, so that a close() inside on_data() cannot free the bytes it sees.
  ByteBuffer pending = std::move(input_);
  pending.append(fresh);
  const std::size_t consumed = on_data(pending.view());
  if (closed()) return false;
  pending.consume(consumed);
  input_ = std::move(pending);
  return keep({});  // applies the input limit to what is now kept
}

bool Connection::keep(std::string_view unconsumed) {
  if (input_.size() + unconsumed.size() > limits_.max_input) {
    abort();
    return false;
  }
  input_.append(unconsumed);
  return wants_input();
}

void Connection::peer_shut_down() {
  peer_shut_down_ = true;
  update_interest();
  if (closed()) return;
  on_peer_shutdown();
  // Our write side already shut and the peer's too: nothing can happen on this connection again.
  if (state_ == State::kShuttingDown && output_.empty()) close_now();
}

void Connection::output_flushed() {
  if (state_ == State::kClosing) {
    close_now();
  } else if (state_ == State::kShuttingDown) {
    socket_.shutdown_write();
    if (peer_shut_down_) close_now();
  }
}

void Connection::close_now() {
  state_ = State::kClosed;
  stop();
  if (idle_tracker_ != nullptr) idle_tracker_->remove(*this);
  input_.clear();
  output_.clear();
  socket_.reset();
  on_close();
  if (owner_ != nullptr) owner_->release(*this);
}

bool Connection::wants_input() const {
  return (state_ == State::kOpen || state_ == State::kShuttingDown) && !peer_shut_down_ &&
         !reading_paused_;
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
