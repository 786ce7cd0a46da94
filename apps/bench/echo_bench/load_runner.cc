#include "apps/bench/echo_bench/load_runner.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace bench {
namespace {

constexpr auto kProgressInterval = std::chrono::seconds(1);
// How long connections may take to finish their batch in flight once the phase is kStop.
constexpr auto kStopGrace = std::chrono::seconds(2);

std::chrono::steady_clock::duration seconds(double value) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(value));
}

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::max(0.0, std::chrono::duration<double>(to - from).count());
}

}  // namespace

struct LoadRunner::IoThread {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{io.get_executor()};
  ThreadStats stats;
  std::thread thread;
};

// Counts events down to zero; other threads may wait for zero, with a deadline.
class LoadRunner::Countdown {
 public:
  explicit Countdown(int count) : count_(count) {}

  void count_down() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--count_ == 0) reached_zero_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    reached_zero_.wait(lock, [this] { return count_ == 0; });
  }
  // True when zero was reached before the deadline.
  bool wait_until(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return reached_zero_.wait_until(lock, deadline, [this] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable reached_zero_;
  int count_;
};

LoadRunner::LoadRunner(const BenchOptions& options)
    : options_(options),
      control_(options.requests),
      connected_(static_cast<std::size_t>(options.connections), 0) {
  for (int i = 0; i < options.threads; ++i)
    io_threads_.push_back(std::make_unique<IoThread>());
  const Workload workload{options.server, options.message_size, options.pipeline};
  for (int i = 0; i < options.connections; ++i) {
    IoThread& owner = *io_threads_[static_cast<std::size_t>(i % options.threads)];
    connections_.push_back(std::make_unique<EchoConnection>(owner.io, static_cast<std::uint64_t>(i),
                                                            workload, control_, owner.stats));
  }
}

LoadRunner::~LoadRunner() {
  for (auto& io_thread : io_threads_) {
    io_thread->io.stop();
    if (io_thread->thread.joinable()) io_thread->thread.join();
  }
}

BenchResult LoadRunner::run() {
  Countdown threads_finished(options_.threads);
  start_threads(threads_finished);
  const int connected = connect_all();
  if (connected < options_.connections) {
    std::fprintf(stderr, "echo_bench: %d of %d connections failed to connect\n",
                 options_.connections - connected, options_.connections);
  }
  drive_phases(threads_finished);
  stop_and_join(threads_finished);
  return collect_result();
}

void LoadRunner::start_threads(Countdown& threads_finished) {
  for (auto& io_thread : io_threads_) {
    IoThread* raw = io_thread.get();
    raw->thread = std::thread([raw, &threads_finished] {
      raw->io.run();
      threads_finished.count_down();
    });
  }
}

int LoadRunner::connect_all() {
  Countdown settled(options_.connections);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    EchoConnection* connection = connections_[i].get();
    asio::post(io_threads_[i % io_threads_.size()]->io, [this, connection, i, &settled] {
      connection->connect([this, i, &settled](bool ok) {
        connected_[i] = ok ? 1 : 0;
        settled.count_down();
      });
    });
  }
  settled.wait();
  return static_cast<int>(std::count(connected_.begin(), connected_.end(), 1));
}

void LoadRunner::drive_phases(Countdown& threads_finished) {
  const Clock::time_point start = Clock::now();
  Phase phase = options_.warmup_s > 0 ? Phase::kWarmup : Phase::kMeasure;
  control_.set_phase(phase);
  measure_start_ = start + seconds(options_.warmup_s);
  Clock::time_point measure_deadline = measure_start_ + seconds(options_.duration_s);
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    if (!connected_[i]) continue;
    EchoConnection* connection = connections_[i].get();
    asio::post(io_threads_[i % io_threads_.size()]->io, [connection] { connection->start(); });
  }
  for (auto& io_thread : io_threads_)
    io_thread->keep_running.reset();

  last_progress_ = start;
  Clock::time_point next_progress = start + kProgressInterval;
  for (;;) {
    Clock::time_point wake = next_progress;
    if (phase == Phase::kWarmup) wake = std::min(wake, measure_start_);
    if (phase == Phase::kMeasure && !control_.has_request_budget()) {
      wake = std::min(wake, measure_deadline);
    }
    if (threads_finished.wait_until(wake)) break;
    const Clock::time_point now = Clock::now();
    if (phase == Phase::kWarmup && now >= measure_start_) {
      phase = Phase::kMeasure;
      control_.set_phase(phase);
      measure_start_ = now;
      measure_deadline = now + seconds(options_.duration_s);
      next_progress = now + kProgressInterval;
    }
    if (phase == Phase::kMeasure && !control_.has_request_budget() && now >= measure_deadline) {
      break;
    }
    if (now >= next_progress) {
      print_progress(now);
      next_progress += kProgressInterval;
    }
  }
  measure_end_ = Clock::now();
}

void LoadRunner::print_progress(Clock::time_point now) {
  if (now < measure_start_) {
    std::fprintf(stderr, "echo_bench: warming up\n");
    return;
  }
  const std::uint64_t requests = measured_requests();
  const double interval_s = seconds_between(std::max(last_progress_, measure_start_), now);
  const double measured_s = seconds_between(measure_start_, now);
  std::fprintf(stderr, "echo_bench: %.0f s  %llu requests  %.0f req/s (last %.1f s: %.0f req/s)\n",
               measured_s, static_cast<unsigned long long>(requests),
               measured_s > 0 ? static_cast<double>(requests) / measured_s : 0.0, interval_s,
               interval_s > 0
                   ? static_cast<double>(requests - requests_at_last_progress_) / interval_s
                   : 0.0);
  last_progress_ = now;
  requests_at_last_progress_ = requests;
}

void LoadRunner::stop_and_join(Countdown& threads_finished) {
  control_.set_phase(Phase::kStop);
  if (!threads_finished.wait_until(Clock::now() + kStopGrace)) {
    for (auto& io_thread : io_threads_)
      io_thread->io.stop();
  }
  for (auto& io_thread : io_threads_)
    io_thread->thread.join();
}

std::uint64_t LoadRunner::measured_requests() const {
  std::uint64_t total = 0;
  for (const auto& io_thread : io_threads_) {
    total += io_thread->stats.completed_requests.load(std::memory_order_relaxed);
  }
  return total;
}

BenchResult LoadRunner::collect_result() const {
  BenchResult result;
  Clock::time_point last_completion = measure_start_;
  for (const auto& io_thread : io_threads_) {
    const ThreadStats& stats = io_thread->stats;
    result.requests += stats.completed_requests.load(std::memory_order_relaxed);
    result.round_trip_ns.merge(stats.round_trip_ns);
    result.connect_errors += stats.connect_errors;
    result.io_errors += stats.io_errors;
    result.mismatch_errors += stats.mismatch_errors;
    last_completion = std::max(last_completion, stats.last_completion);
  }
  const Clock::time_point end = control_.has_request_budget() ? last_completion : measure_end_;
  result.elapsed_s = seconds_between(measure_start_, end);
  return result;
}

}  // namespace bench
