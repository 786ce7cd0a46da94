#include "apps/bench/soak/server_probe.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace soak {
namespace {

std::string proc_path(pid_t pid, const char* entry) {
  return "/proc/" + std::to_string(pid) + "/" + entry;
}

}  // namespace

std::optional<std::size_t> ServerProbe::open_fds() const {
  DIR* dir = opendir(proc_path(pid_, "fd").c_str());
  if (dir == nullptr) return std::nullopt;
  std::size_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

std::optional<std::size_t> ServerProbe::resident_bytes() const {
  std::ifstream status(proc_path(pid_, "status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::size_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ServerProbe::cpu_time() const {
  std::ifstream stat(proc_path(pid_, "stat"));
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are
  // state (3) ... utime (14) stime (15).
  const std::size_t name_end = text.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(name_end + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field)
    fields >> skipped;
  unsigned long long user_ticks = 0;
  unsigned long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((user_ticks + system_ticks) * 1000 /
                                   static_cast<unsigned long long>(ticks_per_second));
}

}  // namespace soak
