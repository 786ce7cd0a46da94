// BenchOptions: the validated settings of one echo_bench run, taken from the command line.
// A plain value; parse_bench_options_or_exit() is its only producer.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <string>

namespace bench {

struct BenchOptions {
  std::string host;
  asio::ip::tcp::endpoint server;
  int connections = 0;
  std::size_t message_size = 0;
  int pipeline = 0;
  double duration_s = 0;
  std::int64_t requests = 0;  // > 0: stop after this many measured requests instead of duration_s
  int threads = 0;
  double warmup_s = 0;
  bool json_only = false;
};

// Parses and checks the flags; a bad one ends the process with one line naming it and exit 2.
BenchOptions parse_bench_options_or_exit(int argc, char** argv);

}  // namespace bench
