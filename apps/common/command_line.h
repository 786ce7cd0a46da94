// Strict command-line parsing for the apps: gflags holds the flag definitions and the
// help text, and this applies argv to them so that every mistake ends the process with one line
// on stderr and exit status 2 (gflags itself would exit 1 after several lines).
// Call from main() before starting any thread.
#pragma once

#include <string>
#include <vector>

namespace app {

inline constexpr int kUsageErrorExitCode = 2;

// Applies --name=value, --name value, --name / --noname (bool flags) and -name forms to the
// flags defined with gflags. --help prints the usage and exits 0. Unknown flags, missing or
// unparsable values and positional arguments exit via exit_with_usage_error().
void parse_command_line_or_exit(int argc, char** argv, const std::string& usage);
// As parse_command_line_or_exit(), but returns the positional arguments, in order, instead of
// rejecting them.
std::vector<std::string> parse_command_line_and_arguments_or_exit(int argc, char** argv,
                                                                  const std::string& usage);

// Prints "<program>: <message>" on stderr and exits with kUsageErrorExitCode.
[[noreturn]] void exit_with_usage_error(const std::string& message);

}  // namespace app
