// SoakRunner: one soak run. It opens sessions at the configured rate (bounded in number, slow and
// non-reading ones bounded apart) for the configured time, samples the server from /proc, waits
// for the last session to end, then for the server's fds to settle, and measures its CPU at rest.
// Ownership: owns the io_context, and through it the sessions. Threads: run() on one thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <optional>

#include "apps/bench/soak/server_probe.h"
#include "apps/bench/soak/session_plan.h"
#include "apps/bench/soak/soak_options.h"
#include "apps/bench/soak/soak_report.h"
#include "apps/bench/soak/soak_session.h"

namespace soak {

class SoakRunner final : private SessionObserver {
 public:
  explicit SoakRunner(const SoakOptions& options);

  // Runs the soak. Throws std::runtime_error if the server process cannot be probed at the start.
  SoakReport run();

 private:
  using Clock = std::chrono::steady_clock;

  void schedule_launches();
  void launch_due();
  void schedule_sample();
  // Reads the server's fds and RSS, and records them in the report; std::nullopt if the process
  // is gone.
  std::optional<ServerSample> sample();
  void print_progress(Clock::time_point now, const ServerSample& server) const;
  void session_ended(const SessionResult& result) override;
  bool loading(Clock::time_point now) const { return now < load_end_ && !report_.server_lost; }
  void settle_fds();
  void measure_idle_cpu();

  const SoakOptions options_;
  const SessionSettings settings_;
  const ServerProbe probe_;
  asio::io_context io_;
  asio::steady_timer launch_timer_;
  asio::steady_timer sample_timer_;
  PlanPicker picker_;
  SoakReport report_;

  Clock::time_point start_;
  Clock::time_point warmup_end_;
  Clock::time_point load_end_;
  Clock::time_point last_launch_;
  Clock::time_point next_progress_;
  double launch_credit_ = 0;
  std::size_t live_ = 0;
  std::size_t live_heavy_ = 0;
};

}  // namespace soak
