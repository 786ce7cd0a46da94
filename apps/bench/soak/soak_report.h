// SoakReport: what a soak run saw, from the clients' side (sessions, bytes checked, errors) and
// from the server's (fds, RSS, idle CPU), and the checks that decide whether it passed.
// Plain values and functions. Threads: any.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "apps/bench/soak/session_plan.h"
#include "apps/bench/soak/soak_options.h"

namespace soak {

struct ServerSample {
  std::size_t fds = 0;
  std::size_t rss = 0;  // bytes
};

struct SoakReport {
  static constexpr std::size_t kErrorsKept = 10;

  std::uint64_t seed = 0;
  std::chrono::milliseconds elapsed{0};  // from the first connection to the last close
  std::array<std::uint64_t, kSessionKinds> sessions{};  // started, per kind
  std::array<std::uint64_t, kSessionKinds> failures{};  // failed, per kind
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_verified = 0;
  std::uint64_t resets_sent = 0;
  std::uint64_t half_closes = 0;
  std::uint64_t idle_reaps = 0;  // expected closes by the server
  std::uint64_t errors = 0;
  std::vector<std::string> first_errors;  // the first kErrorsKept

  bool server_lost = false;               // its /proc entry vanished
  ServerSample at_start;                  // before the first connection
  ServerSample warmed_up;                 // fds at the end of warm-up; RSS the highest until then
  ServerSample peak;                      // highest after warm-up, until the clients had left
  ServerSample at_end;                    // once the clients had left and the fds had settled
  std::chrono::milliseconds idle_cpu{0};  // used over idle_cpu_window after that

  std::uint64_t total_sessions() const;
};

// The violations of the soak's rules, one line each; empty when the run passed.
std::vector<std::string> violations(const SoakReport& report, const SoakOptions& options);

// The report for people: a few lines, then PASS or FAIL with the violations.
std::string format_report(const SoakReport& report, const SoakOptions& options,
                          const std::vector<std::string>& violations);

std::string format_bytes(std::uint64_t bytes);

}  // namespace soak
