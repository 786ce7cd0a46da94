#include "apps/bench/soak/soak_runner.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

namespace soak {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLaunchTick{10};
constexpr milliseconds kSampleInterval{1000};
constexpr milliseconds kProgressInterval{10000};
constexpr milliseconds kFdPoll{50};

SessionSettings session_settings(const SoakOptions& options) {
  SessionSettings settings;
  settings.server = options.server;
  settings.session_timeout = options.session_timeout;
  settings.idle_timeout = options.idle_timeout;
  settings.idle_slack = options.idle_slack;
  return settings;
}

// A third of the server's idle timeout leaves a busy session a wide margin; a second at most, so
// that a keepalive session (12 messages at most) ends well within the session timeout.
milliseconds max_quiet(const SoakOptions& options) {
  constexpr milliseconds kLongest{1000};
  return options.idle_timeout.count() > 0 ? std::min(options.idle_timeout / 3, kLongest) : kLongest;
}

double seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace

SoakRunner::SoakRunner(const SoakOptions& options)
    : options_(options),
      settings_(session_settings(options)),
      probe_(options.server_pid),
      launch_timer_(io_),
      sample_timer_(io_),
      picker_(options.mix, max_quiet(options), options.seed) {
  report_.seed = options.seed;
}

SoakReport SoakRunner::run() {
  const std::optional<std::size_t> fds = probe_.open_fds();
  const std::optional<std::size_t> rss = probe_.resident_bytes();
  if (!fds || !rss || !probe_.cpu_time()) {
    throw std::runtime_error("cannot read /proc/" + std::to_string(probe_.pid()) +
                             " (is the server running, and ours to inspect?)");
  }
  report_.at_start = {*fds, *rss};
  report_.warmed_up = report_.at_start;
  start_ = Clock::now();
  warmup_end_ = start_ + options_.warmup;
  load_end_ = start_ + options_.duration;
  last_launch_ = start_;
  next_progress_ = start_ + kProgressInterval;

  schedule_launches();
  schedule_sample();
  io_.run();
  report_.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start_);

  settle_fds();
  measure_idle_cpu();
  return report_;
}

void SoakRunner::schedule_launches() {
  launch_timer_.expires_after(kLaunchTick);
  launch_timer_.async_wait([this](const asio::error_code& error) {
    if (error) return;
    launch_due();
    if (loading(Clock::now())) schedule_launches();
  });
}

void SoakRunner::launch_due() {
  const Clock::time_point now = Clock::now();
  // Credit that could not be spent (all slots busy) is not saved up for a burst later.
  launch_credit_ = std::min(launch_credit_ + options_.connect_rate * seconds(now - last_launch_),
                            std::max(1.0, options_.connect_rate * 0.1));
  last_launch_ = now;
  while (launch_credit_ >= 1 && live_ < options_.max_live) {
    launch_credit_ -= 1;
    const SessionPlan plan = picker_.pick(live_heavy_ < options_.max_heavy);
    ++live_;
    if (is_heavy(plan.kind)) ++live_heavy_;
    ++report_.sessions[static_cast<std::size_t>(plan.kind)];
    SessionObserver& observer = *this;
    std::make_shared<SoakSession>(io_, plan, picker_.next_seed(), settings_, observer)->start();
  }
}

void SoakRunner::schedule_sample() {
  sample_timer_.expires_after(kSampleInterval);
  sample_timer_.async_wait([this](const asio::error_code& error) {
    if (error) return;
    const Clock::time_point now = Clock::now();
    const std::optional<ServerSample> server = sample();
    if (!server) {
      report_.server_lost = true;
    } else if (now >= next_progress_) {
      print_progress(now, *server);
      next_progress_ += kProgressInterval;
    }
    if (loading(now) || live_ > 0) schedule_sample();
  });
}

std::optional<ServerSample> SoakRunner::sample() {
  const std::optional<std::size_t> fds = probe_.open_fds();
  const std::optional<std::size_t> rss = probe_.resident_bytes();
  if (!fds || !rss) return std::nullopt;
  if (Clock::now() <= warmup_end_) {
    report_.warmed_up.fds = *fds;
    report_.warmed_up.rss = std::max(report_.warmed_up.rss, *rss);
  } else {
    report_.peak.fds = std::max(report_.peak.fds, *fds);
    report_.peak.rss = std::max(report_.peak.rss, *rss);
  }
  return ServerSample{*fds, *rss};
}

void SoakRunner::print_progress(Clock::time_point now, const ServerSample& server) const {
  std::fprintf(stderr,
               "soak: %.0f s: %llu connections, %zu open, %s verified, %llu errors; "
               "server %zu fds, RSS %s\n",
               seconds(now - start_), static_cast<unsigned long long>(report_.total_sessions()),
               live_, format_bytes(report_.bytes_verified).c_str(),
               static_cast<unsigned long long>(report_.errors), server.fds,
               format_bytes(server.rss).c_str());
}

void SoakRunner::session_ended(const SessionResult& result) {
  --live_;
  if (is_heavy(result.kind)) --live_heavy_;
  report_.bytes_sent += result.bytes_sent;
  report_.bytes_verified += result.bytes_verified;
  report_.resets_sent += result.reset_sent ? 1 : 0;
  report_.half_closes += result.half_closed ? 1 : 0;
  report_.idle_reaps += result.idle_reaped ? 1 : 0;
  if (result.error.empty()) return;
  ++report_.errors;
  ++report_.failures[static_cast<std::size_t>(result.kind)];
  if (report_.first_errors.size() < SoakReport::kErrorsKept) {
    report_.first_errors.push_back(result.error);
  }
}

void SoakRunner::settle_fds() {
  // The server may still be closing the last connections when the clients are done.
  const Clock::time_point deadline = Clock::now() + options_.fd_settle;
  for (;;) {
    const std::optional<std::size_t> fds = probe_.open_fds();
    const std::optional<std::size_t> rss = probe_.resident_bytes();
    if (!fds || !rss) {
      report_.server_lost = true;
      return;
    }
    report_.at_end = {*fds, *rss};
    if (*fds <= report_.at_start.fds || Clock::now() >= deadline) return;
    std::this_thread::sleep_for(kFdPoll);
  }
}

void SoakRunner::measure_idle_cpu() {
  const std::optional<milliseconds> before = probe_.cpu_time();
  std::this_thread::sleep_for(options_.idle_cpu_window);
  const std::optional<milliseconds> after = probe_.cpu_time();
  if (!before || !after) {
    report_.server_lost = true;
    return;
  }
  report_.idle_cpu = *after - *before;
}

}  // namespace soak
