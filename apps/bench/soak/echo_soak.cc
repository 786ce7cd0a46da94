// echo_soak: a soak test for an echo server, independent of the reactor library. It drives a
// mixed, hostile load over the loopback (connection churn, pipelined bursts, half-closes, resets,
// slow and non-reading peers, idle peers left to the server's idle timeout), checks every echoed
// byte, and watches the server process through /proc. Prints progress on stderr and the report on
// stdout. Exit status: 0 when every check passed, 1 otherwise, 2 for a bad command line.
#include <cstdio>
#include <exception>

#include "apps/bench/soak/soak_options.h"
#include "apps/bench/soak/soak_report.h"
#include "apps/bench/soak/soak_runner.h"
#include "apps/common/process_limits.h"

int main(int argc, char** argv) {
  const soak::SoakOptions options = soak::parse_soak_options_or_exit(argc, argv);
  app::raise_open_file_limit();
  try {
    soak::SoakRunner runner(options);
    const soak::SoakReport report = runner.run();
    const std::vector<std::string> violations = soak::violations(report, options);
    std::fputs(soak::format_report(report, options, violations).c_str(), stdout);
    return violations.empty() ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo_soak: %s\n", error.what());
    return 1;
  }
}
