// SoakOptions: the validated settings of one soak run, taken from the command line.
// A plain value; parse_soak_options_or_exit() is its only producer.
#pragma once

#include <sys/types.h>

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "apps/bench/soak/session_plan.h"

namespace soak {

struct SoakOptions {
  asio::ip::tcp::endpoint server;  // a loopback address
  pid_t server_pid = 0;
  std::chrono::milliseconds duration{0};  // of the load
  std::chrono::milliseconds warmup{0};    // its first part, after which RSS must stay flat
  double connect_rate = 0;                // new connections per second
  std::size_t max_live = 0;               // connections open at once
  std::size_t max_heavy = 0;              // slow and non-reading peers at once
  PlanPicker::Weights mix{};
  std::chrono::milliseconds idle_timeout{0};  // the server's; 0 leaves idle sessions out
  std::chrono::milliseconds idle_slack{0};
  std::chrono::milliseconds session_timeout{0};
  std::size_t rss_tolerance = 0;  // bytes RSS may grow past its warm-up level
  double idle_cpu_percent = 0;    // most CPU the server may use once the clients have left
  std::chrono::milliseconds idle_cpu_window{2000};
  std::chrono::milliseconds fd_settle{10000};  // for the server's fds to return to baseline
  std::uint64_t seed = 0;
};

// Parses and checks the flags; a bad one ends the process with one line naming it and exit 2.
SoakOptions parse_soak_options_or_exit(int argc, char** argv);

}  // namespace soak
