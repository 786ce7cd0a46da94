#include "apps/common/command_line.h"

#include <gflags/gflags.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace app {
namespace {

struct FlagArgument {
  std::string name;
  std::string value;
  bool has_value = false;
};

// Splits "-name", "--name" or "--name=value"; returns false for a positional argument.
bool split_flag_argument(const std::string& argument, FlagArgument* out) {
  if (argument.size() < 2 || argument[0] != '-') return false;
  const std::size_t name_start = argument[1] == '-' ? 2 : 1;
  const std::size_t equals = argument.find('=', name_start);
  out->name = argument.substr(name_start, equals - name_start);
  out->has_value = equals != std::string::npos;
  if (out->has_value) out->value = argument.substr(equals + 1);
  return !out->name.empty();
}

bool is_bool_flag(const std::string& name) {
  gflags::CommandLineFlagInfo info;
  return gflags::GetCommandLineFlagInfo(name.c_str(), &info) && info.type == "bool";
}

[[noreturn]] void show_help_and_exit(const char* argv0) {
  gflags::ShowUsageWithFlagsRestrict(argv0, "apps/");
  std::exit(0);
}

// Applies the flags; positional arguments go to `positional`, or are an error if it is null.
void apply_command_line(int argc, char** argv, const std::string& usage,
                        std::vector<std::string>* positional) {
  gflags::SetArgv(argc, const_cast<const char**>(argv));
  gflags::SetUsageMessage(usage);
  for (int i = 1; i < argc; ++i) {
    FlagArgument flag;
    if (!split_flag_argument(argv[i], &flag)) {
      if (positional == nullptr) {
        exit_with_usage_error(std::string("unexpected argument '") + argv[i] + "'");
      }
      positional->emplace_back(argv[i]);
      continue;
    }
    if (flag.name == "help" || flag.name == "h") show_help_and_exit(argv[0]);

    gflags::CommandLineFlagInfo info;
    if (!gflags::GetCommandLineFlagInfo(flag.name.c_str(), &info)) {
      const std::string negated = flag.name.substr(2);
      if (flag.name.rfind("no", 0) != 0 || flag.has_value || !is_bool_flag(negated)) {
        exit_with_usage_error("unknown flag --" + flag.name);
      }
      flag = FlagArgument{negated, "false", true};
    } else if (!flag.has_value) {
      if (info.type == "bool") {
        flag.value = "true";
      } else if (i + 1 < argc) {
        flag.value = argv[++i];
      } else {
        exit_with_usage_error("missing value for --" + flag.name);
      }
    }
    if (gflags::SetCommandLineOption(flag.name.c_str(), flag.value.c_str()).empty()) {
      exit_with_usage_error("invalid value '" + flag.value + "' for --" + flag.name);
    }
  }
}

}  // namespace

void exit_with_usage_error(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", gflags::ProgramInvocationShortName(), message.c_str());
  std::exit(kUsageErrorExitCode);
}

void parse_command_line_or_exit(int argc, char** argv, const std::string& usage) {
  apply_command_line(argc, argv, usage, nullptr);
}

std::vector<std::string> parse_command_line_and_arguments_or_exit(int argc, char** argv,
                                                                  const std::string& usage) {
  std::vector<std::string> positional;
  apply_command_line(argc, argv, usage, &positional);
  return positional;
}

}  // namespace app
