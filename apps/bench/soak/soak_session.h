// SoakSession: one client connection of the soak, carrying out a SessionPlan: it connects, writes
// the plan's bytes (from its StreamPattern) in bursts while reading the echo, checks every echoed
// byte against what it sent, and ends as the plan says: half-close, close, reset, or silence
// until the server's idle timeout closes it. It reports one SessionResult, then closes.
// Ownership: shared; its pending Asio operations hold it. The observer must outlive them.
// Threads: the io_context's thread only (the soak runs one).
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/bench/soak/session_plan.h"
#include "apps/bench/soak/stream_pattern.h"

namespace soak {

// What a session did. An expected close by the server (the idle timeout) is not an error.
struct SessionResult {
  SessionKind kind = SessionKind::kChurn;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_verified = 0;  // echoed bytes checked against what was sent
  bool reset_sent = false;
  bool half_closed = false;
  bool idle_reaped = false;
  std::string error;  // empty: everything went as planned
};

class SessionObserver {
 public:
  virtual void session_ended(const SessionResult& result) = 0;

 protected:
  ~SessionObserver() = default;
};

// What every session needs to know about the server and the time bounds.
struct SessionSettings {
  asio::ip::tcp::endpoint server;
  std::chrono::milliseconds session_timeout{30000};  // a session still running then has failed
  std::chrono::milliseconds idle_timeout{0};         // the server's --idle_timeout_ms
  std::chrono::milliseconds idle_slack{2000};        // how late an idle close may come
};

class SoakSession : public std::enable_shared_from_this<SoakSession> {
 public:
  SoakSession(asio::io_context& io, const SessionPlan& plan, std::uint64_t seed,
              const SessionSettings& settings, SessionObserver& observer);
  SoakSession(const SoakSession&) = delete;
  SoakSession& operator=(const SoakSession&) = delete;

  void start();

 private:
  using Clock = std::chrono::steady_clock;

  void on_connected(const asio::error_code& error);
  void write_next();
  void on_written(const asio::error_code& error, std::size_t count);
  void writes_done();
  // A plan that reads only after writing: checks for stalled writes until hold_then_read().
  void watch_for_stall();
  void hold_then_read();
  void start_reading();
  void read_next();
  void on_read(const asio::error_code& error, std::size_t count);
  // Checks `count` freshly read bytes against the stream; false (and the session failed) if
  // they differ or were never sent.
  bool verify(std::size_t count);
  // Every byte is echoed: carries out the plan's ending; false if that ended the session.
  bool echo_complete();
  void on_peer_closed(const asio::error_code& error);
  void check_idle_close();

  void succeed();
  void fail(const std::string& what);
  void fail(const std::string& what, const asio::error_code& error);
  // Ends the session: an SO_LINGER 0 close when `reset`, a plain close otherwise.
  void finish(bool reset);
  std::string progress() const;

  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::steady_timer write_timer_;
  asio::steady_timer read_timer_;
  const SessionPlan plan_;
  const StreamPattern pattern_;
  const SessionSettings settings_;
  SessionObserver& observer_;
  SessionResult result_;

  std::vector<char> write_buffer_;  // the current burst
  std::size_t burst_size_ = 0;
  std::size_t burst_written_ = 0;
  std::vector<char> read_buffer_;
  std::vector<char> scratch_;  // the expected bytes, for comparison
  bool writing_done_ = false;
  bool holding_ = false;
  bool finished_ = false;
  Clock::time_point last_progress_;  // of the writes (or the connect, before any)
  // When the last write (or the connect, before any) was issued: the server cannot have seen
  // input from this session earlier, so its idle timeout cannot end before this plus the timeout.
  Clock::time_point last_send_started_;
  Clock::time_point all_echoed_;  // the server saw the last input before this
};

}  // namespace soak
