// LoadRunner: one echo_bench run. It starts the io threads, connects every EchoConnection, then
// drives the phases (warmup, measure, stop) from the calling thread, printing progress on stderr
// once a second, and merges what the threads measured. Owns the io_contexts, their threads and
// the connections; run() is called once, from one thread.
#pragma once

#include <memory>
#include <vector>

#include "apps/bench/echo_bench/bench_options.h"
#include "apps/bench/echo_bench/bench_report.h"
#include "apps/bench/echo_bench/echo_connection.h"
#include "apps/bench/echo_bench/run_control.h"

namespace bench {

class LoadRunner {
 public:
  explicit LoadRunner(const BenchOptions& options);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  BenchResult run();

 private:
  struct IoThread;
  class Countdown;
  using Clock = std::chrono::steady_clock;

  void start_threads(Countdown& threads_finished);
  // Returns how many connections are connected.
  int connect_all();
  // Runs the warmup and measure phases; returns when they are over or every thread has finished.
  void drive_phases(Countdown& threads_finished);
  void print_progress(Clock::time_point now);
  void stop_and_join(Countdown& threads_finished);
  BenchResult collect_result() const;
  std::uint64_t measured_requests() const;

  const BenchOptions options_;
  RunControl control_;
  std::vector<std::unique_ptr<IoThread>> io_threads_;  // outlive connections_
  std::vector<std::unique_ptr<EchoConnection>> connections_;
  std::vector<char> connected_;  // per connection, written on its io thread before settling
  Clock::time_point measure_start_;
  Clock::time_point measure_end_;
  Clock::time_point last_progress_;
  std::uint64_t requests_at_last_progress_ = 0;
};

}  // namespace bench
