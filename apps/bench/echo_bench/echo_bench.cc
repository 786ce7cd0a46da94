// echo_bench: a load generator for TCP echo servers, independent of the reactor library.
// Prints progress on stderr, then a summary and a "JSON {...}" line on stdout. Exit status: 0 when
// requests completed without any error, 1 otherwise, 2 for a bad command line.
#include <cstdio>
#include <exception>

#include "apps/bench/echo_bench/bench_options.h"
#include "apps/bench/echo_bench/load_runner.h"
#include "apps/common/process_limits.h"

int main(int argc, char** argv) {
  const bench::BenchOptions options = bench::parse_bench_options_or_exit(argc, argv);
  app::raise_open_file_limit();
  try {
    bench::LoadRunner runner(options);
    const bench::BenchResult result = runner.run();
    if (!options.json_only) std::fputs(bench::format_summary(options, result).c_str(), stdout);
    std::fputs(bench::format_json_line(options, result).c_str(), stdout);
    return result.errors() == 0 && result.requests > 0 ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo_bench: %s\n", error.what());
    return 1;
  }
}
