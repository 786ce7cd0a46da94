// EchoConnection: one client socket of echo_bench. It connects (bounded retries), then repeats a
// batch: send `pipeline` messages, receive the echo of each, compare every byte, record each
// message's round trip. Errors and measurements go to the ThreadStats of its io thread.
// Owned by the caller, which keeps it, the RunControl and the ThreadStats alive until its
// io_context has stopped running; all member functions run on that io_context's thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "apps/bench/echo_bench/run_control.h"
#include "apps/bench/echo_bench/thread_stats.h"

namespace bench {

struct Workload {
  asio::ip::tcp::endpoint server;
  std::size_t message_size = 0;
  int pipeline = 0;
};

class EchoConnection {
 public:
  using SettledCallback = std::function<void(bool connected)>;

  EchoConnection(asio::io_context& io, std::uint64_t id, const Workload& workload,
                 RunControl& control, ThreadStats& stats);
  EchoConnection(const EchoConnection&) = delete;
  EchoConnection& operator=(const EchoConnection&) = delete;

  // Connects, retrying a few times, then calls on_settled once; a final failure counts as a
  // connect error.
  void connect(SettledCallback on_settled);
  // Starts the batches; only after connect() reported success. The connection closes itself
  // when the phase reaches kStop or the request budget is spent.
  void start();

 private:
  using Clock = std::chrono::steady_clock;

  void try_connect();
  void on_connect_attempt(const asio::error_code& error);
  void send_batch();
  void receive_echo();
  void on_written(const asio::error_code& error);
  void on_received(const asio::error_code& error, std::size_t bytes);
  void record_completed_messages(Clock::time_point now);
  void fail(std::uint64_t* error_counter);
  void close();

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const std::uint64_t id_;
  const Workload workload_;
  RunControl& control_;
  ThreadStats& stats_;
  SettledCallback on_settled_;
  int connect_attempts_ = 0;
  bool connecting_ = false;
  bool closed_ = false;

  std::vector<char> sent_;      // the batch in flight, also the expected echo
  std::vector<char> received_;  // receive buffer, compared against sent_
  std::uint64_t next_sequence_ = 0;
  std::size_t batch_bytes_ = 0;
  std::size_t echoed_bytes_ = 0;
  std::size_t echoed_messages_ = 0;
  bool batch_measured_ = false;
  bool write_pending_ = false;
  Clock::time_point batch_sent_at_;
};

}  // namespace bench
