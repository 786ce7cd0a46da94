#include "apps/bench/soak/soak_session.h"

#include <algorithm>
#include <optional>

namespace soak {
namespace {

using std::chrono::milliseconds;

// A non-reading peer's writes have stalled once nothing was written for this long.
constexpr milliseconds kStallTime{100};
constexpr milliseconds kStallCheck{25};
// The server stamps input with the time its loop woke, which may precede the bytes' arrival by
// the rest of that iteration; an idle close this much before the timeout is still on time.
constexpr milliseconds kIdleEarlyTolerance{50};

long long ms_between(std::chrono::steady_clock::time_point from,
                     std::chrono::steady_clock::time_point to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

}  // namespace

SoakSession::SoakSession(asio::io_context& io, const SessionPlan& plan, std::uint64_t seed,
                         const SessionSettings& settings, SessionObserver& observer)
    : socket_(io),
      deadline_(io),
      write_timer_(io),
      read_timer_(io),
      plan_(plan),
      pattern_(seed),
      settings_(settings),
      observer_(observer),
      write_buffer_(plan.write_chunk),
      read_buffer_(plan.read_chunk),
      scratch_(plan.read_chunk) {
  result_.kind = plan.kind;
}

void SoakSession::start() {
  auto self = shared_from_this();
  deadline_.expires_after(settings_.session_timeout);
  deadline_.async_wait([self](const asio::error_code& error) {
    if (!error) self->fail("still running at the session timeout");
  });
  asio::error_code error;
  socket_.open(settings_.server.protocol(), error);
  if (!error && plan_.socket_buffer > 0) {
    socket_.set_option(asio::socket_base::receive_buffer_size(plan_.socket_buffer), error);
    if (!error) {
      socket_.set_option(asio::socket_base::send_buffer_size(plan_.socket_buffer), error);
    }
  }
  if (error) return fail("socket setup", error);
  last_send_started_ = Clock::now();
  socket_.async_connect(settings_.server,
                        [self](const asio::error_code& e) { self->on_connected(e); });
}

void SoakSession::on_connected(const asio::error_code& error) {
  if (finished_) return;
  if (error) return fail("connect", error);
  last_progress_ = Clock::now();
  if (plan_.read_after_writes) {
    watch_for_stall();
  } else {
    start_reading();
  }
  if (!finished_) write_next();
}

void SoakSession::write_next() {
  if (finished_) return;
  if (burst_written_ == burst_size_) {
    if (result_.bytes_sent == plan_.bytes) return writes_done();
    burst_size_ = std::min(plan_.write_chunk, plan_.bytes - result_.bytes_sent);
    burst_written_ = 0;
    pattern_.fill(result_.bytes_sent, write_buffer_.data(), burst_size_);
  }
  auto self = shared_from_this();
  last_send_started_ = Clock::now();
  socket_.async_write_some(
      asio::buffer(write_buffer_.data() + burst_written_, burst_size_ - burst_written_),
      [self](const asio::error_code& error, std::size_t count) { self->on_written(error, count); });
}

void SoakSession::on_written(const asio::error_code& error, std::size_t count) {
  if (finished_) return;
  result_.bytes_sent += count;
  burst_written_ += count;
  if (count > 0) last_progress_ = Clock::now();
  if (error) return fail("write", error);
  const bool burst_done = burst_written_ == burst_size_;
  if (burst_done && plan_.write_pause.count() > 0 && result_.bytes_sent < plan_.bytes) {
    auto self = shared_from_this();
    write_timer_.expires_after(plan_.write_pause);
    write_timer_.async_wait([self](const asio::error_code& e) {
      if (!e) self->write_next();
    });
    return;
  }
  write_next();
}

void SoakSession::writes_done() {
  writing_done_ = true;
  if (plan_.ending == Ending::kHalfClose) {
    asio::error_code error;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, error);
    if (error) return fail("shutdown", error);
  }
  if (plan_.read_after_writes) hold_then_read();
}

void SoakSession::watch_for_stall() {
  auto self = shared_from_this();
  read_timer_.expires_after(kStallCheck);
  read_timer_.async_wait([self](const asio::error_code& error) {
    if (error || self->finished_ || self->holding_) return;
    if (Clock::now() - self->last_progress_ >= kStallTime) return self->hold_then_read();
    self->watch_for_stall();
  });
}

void SoakSession::hold_then_read() {
  if (holding_) return;
  holding_ = true;
  if (plan_.hold.count() == 0) return start_reading();
  auto self = shared_from_this();
  read_timer_.expires_after(plan_.hold);  // cancels a pending stall check
  read_timer_.async_wait([self](const asio::error_code& error) {
    if (!error && !self->finished_) self->start_reading();
  });
}

void SoakSession::start_reading() {
  // Nothing to echo (a plan of zero bytes): the echo is complete before any read.
  if (plan_.bytes == 0 && !echo_complete()) return;
  read_next();
}

void SoakSession::read_next() {
  auto self = shared_from_this();
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [self](const asio::error_code& error, std::size_t count) { self->on_read(error, count); });
}

void SoakSession::on_read(const asio::error_code& error, std::size_t count) {
  if (finished_) return;
  if (count > 0 && !verify(count)) return;
  if (plan_.ending == Ending::kReset && result_.bytes_verified >= plan_.reset_at) {
    result_.reset_sent = true;
    return finish(true);
  }
  if (error) return on_peer_closed(error);
  if (count > 0 && result_.bytes_verified == plan_.bytes && !echo_complete()) return;
  if (plan_.read_pause.count() == 0) return read_next();
  auto self = shared_from_this();
  read_timer_.expires_after(plan_.read_pause);
  read_timer_.async_wait([self](const asio::error_code& e) {
    if (!e && !self->finished_) self->read_next();
  });
}

bool SoakSession::verify(std::size_t count) {
  // The echo can only repeat what was sent, and the plan bounds what will be.
  if (result_.bytes_verified + count > plan_.bytes) {
    fail("received " + std::to_string(result_.bytes_verified + count - plan_.bytes) +
         " bytes more than it sends");
    return false;
  }
  const std::optional<std::uint64_t> mismatch =
      pattern_.first_mismatch(result_.bytes_verified, read_buffer_.data(), count, scratch_.data());
  if (mismatch) {
    fail("echoed byte at offset " + std::to_string(*mismatch) + " differs from the byte sent");
    return false;
  }
  result_.bytes_verified += count;
  return true;
}

bool SoakSession::echo_complete() {
  switch (plan_.ending) {
    case Ending::kClose:
      succeed();
      return false;
    case Ending::kIdleReap:
      all_echoed_ = Clock::now();
      return true;  // reads on, to see the server's close
    case Ending::kHalfClose:
    case Ending::kReset:
      return true;  // reads on, to the EOF (a reset comes earlier, at reset_at)
  }
  return true;
}

void SoakSession::on_peer_closed(const asio::error_code& error) {
  const bool eof = error == asio::error::eof;
  const bool reset = error == asio::error::connection_reset;
  const bool all_echoed = result_.bytes_verified == plan_.bytes;
  if (eof && all_echoed && writing_done_ && plan_.ending == Ending::kHalfClose) {
    result_.half_closed = true;
    return succeed();
  }
  if ((eof || reset) && all_echoed && plan_.ending == Ending::kIdleReap) {
    return check_idle_close();
  }
  if (eof || reset) {
    return fail(std::string("the server ") + (eof ? "closed" : "reset") +
                " the connection before the end of the echo");
  }
  fail("read", error);
}

void SoakSession::check_idle_close() {
  const Clock::time_point now = Clock::now();
  if (now < last_send_started_ + settings_.idle_timeout - kIdleEarlyTolerance) {
    return fail("closed by the server " + std::to_string(ms_between(last_send_started_, now)) +
                " ms after the last write (or connect) began, before the idle timeout of " +
                std::to_string(settings_.idle_timeout.count()) + " ms");
  }
  if (now > all_echoed_ + settings_.idle_timeout + settings_.idle_slack) {
    return fail("the idle timeout closed it only after " +
                std::to_string(ms_between(all_echoed_, now)) + " ms of silence");
  }
  result_.idle_reaped = true;
  succeed();
}

void SoakSession::succeed() {
  finish(false);
}

void SoakSession::fail(const std::string& what) {
  result_.error = what + " (" + progress() + ")";
  finish(false);
}

void SoakSession::fail(const std::string& what, const asio::error_code& error) {
  fail(what + ": " + error.message());
}

void SoakSession::finish(bool reset) {
  if (finished_) return;
  finished_ = true;
  deadline_.cancel();
  write_timer_.cancel();
  read_timer_.cancel();
  asio::error_code ignored;
  if (reset) socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  socket_.close(ignored);
  observer_.session_ended(result_);
}

std::string SoakSession::progress() const {
  return std::string(kind_name(plan_.kind)) + " session, sent " +
         std::to_string(result_.bytes_sent) + " of " + std::to_string(plan_.bytes) +
         " bytes, echo checked up to " + std::to_string(result_.bytes_verified);
}

}  // namespace soak
