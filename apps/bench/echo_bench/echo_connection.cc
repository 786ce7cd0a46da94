#include "apps/bench/echo_bench/echo_connection.h"

#include <algorithm>
#include <cstring>

#include "apps/bench/echo_bench/message_pattern.h"

namespace bench {
namespace {

constexpr int kConnectAttempts = 5;
constexpr auto kConnectTimeout = std::chrono::seconds(2);
constexpr auto kConnectRetryDelay = std::chrono::milliseconds(200);
constexpr std::size_t kMaxReceiveBuffer = 64 * 1024;

}  // namespace

EchoConnection::EchoConnection(asio::io_context& io, std::uint64_t id, const Workload& workload,
                               RunControl& control, ThreadStats& stats)
    : socket_(io),
      timer_(io),
      id_(id),
      workload_(workload),
      control_(control),
      stats_(stats),
      sent_(workload.message_size * static_cast<std::size_t>(workload.pipeline)),
      received_(std::min(sent_.size(), kMaxReceiveBuffer)) {}

void EchoConnection::connect(SettledCallback on_settled) {
  on_settled_ = std::move(on_settled);
  try_connect();
}

void EchoConnection::try_connect() {
  ++connect_attempts_;
  connecting_ = true;
  socket_.async_connect(workload_.server,
                        [this](const asio::error_code& error) { on_connect_attempt(error); });
  timer_.expires_after(kConnectTimeout);
  timer_.async_wait([this](const asio::error_code& error) {
    asio::error_code ignored;
    if (!error && connecting_) socket_.close(ignored);  // the connect completes as aborted
  });
}

void EchoConnection::on_connect_attempt(const asio::error_code& error) {
  connecting_ = false;
  timer_.cancel();
  asio::error_code setup_error = error;
  if (!setup_error) socket_.set_option(asio::ip::tcp::no_delay(true), setup_error);
  if (!setup_error) {
    on_settled_(true);
    return;
  }
  asio::error_code ignored;
  socket_.close(ignored);
  if (connect_attempts_ >= kConnectAttempts) {
    closed_ = true;
    ++stats_.connect_errors;
    on_settled_(false);
    return;
  }
  timer_.expires_after(kConnectRetryDelay);
  timer_.async_wait([this](const asio::error_code& wait_error) {
    if (!wait_error) try_connect();
  });
}

void EchoConnection::start() {
  send_batch();
}

void EchoConnection::send_batch() {
  const Phase phase = control_.phase();
  int messages = workload_.pipeline;
  batch_measured_ = false;
  if (phase == Phase::kStop) return close();
  if (control_.has_request_budget() && phase == Phase::kMeasure) {
    messages = control_.claim_requests(workload_.pipeline);
    if (messages == 0) return close();
    batch_measured_ = true;
  }
  batch_bytes_ = workload_.message_size * static_cast<std::size_t>(messages);
  for (int i = 0; i < messages; ++i) {
    fill_message(id_, next_sequence_++, sent_.data() + workload_.message_size * i,
                 workload_.message_size);
  }
  echoed_bytes_ = 0;
  echoed_messages_ = 0;
  write_pending_ = true;
  batch_sent_at_ = Clock::now();
  asio::async_write(socket_, asio::buffer(sent_.data(), batch_bytes_),
                    [this](const asio::error_code& error, std::size_t) { on_written(error); });
  receive_echo();
}

void EchoConnection::receive_echo() {
  const std::size_t wanted = std::min(received_.size(), batch_bytes_ - echoed_bytes_);
  socket_.async_read_some(
      asio::buffer(received_.data(), wanted),
      [this](const asio::error_code& error, std::size_t bytes) { on_received(error, bytes); });
}

void EchoConnection::on_written(const asio::error_code& error) {
  if (closed_) return;
  if (error) return fail(&stats_.io_errors);
  write_pending_ = false;
  if (echoed_bytes_ == batch_bytes_) send_batch();
}

void EchoConnection::on_received(const asio::error_code& error, std::size_t bytes) {
  if (closed_) return;
  if (error) return fail(&stats_.io_errors);  // includes the server closing early (eof)
  if (std::memcmp(received_.data(), sent_.data() + echoed_bytes_, bytes) != 0) {
    return fail(&stats_.mismatch_errors);
  }
  echoed_bytes_ += bytes;
  record_completed_messages(Clock::now());
  if (echoed_bytes_ < batch_bytes_) return receive_echo();
  if (!write_pending_) send_batch();
}

void EchoConnection::record_completed_messages(Clock::time_point now) {
  const std::size_t complete = echoed_bytes_ / workload_.message_size;
  if (complete == echoed_messages_) return;
  const bool measured =
      control_.has_request_budget() ? batch_measured_ : control_.phase() == Phase::kMeasure;
  if (measured) {
    const auto round_trip =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - batch_sent_at_).count();
    for (std::size_t i = echoed_messages_; i < complete; ++i) {
      stats_.round_trip_ns.record(static_cast<std::uint64_t>(round_trip));
    }
    stats_.completed_requests.fetch_add(complete - echoed_messages_, std::memory_order_relaxed);
    stats_.last_completion = now;
  }
  echoed_messages_ = complete;
}

void EchoConnection::fail(std::uint64_t* error_counter) {
  ++*error_counter;
  close();
}

void EchoConnection::close() {
  closed_ = true;
  asio::error_code ignored;
  socket_.close(ignored);
}

}  // namespace bench
