// ServerProbe: what the kernel reports about the server process under soak, read from
// /proc/PID: open descriptors, resident memory, and CPU time used.
// A plain value holding the pid. Threads: any.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>

namespace soak {

class ServerProbe {
 public:
  explicit ServerProbe(pid_t pid) : pid_(pid) {}

  pid_t pid() const { return pid_; }
  // Each is std::nullopt once the process is gone.
  std::optional<std::size_t> open_fds() const;        // entries of /proc/PID/fd
  std::optional<std::size_t> resident_bytes() const;  // VmRSS of /proc/PID/status
  // User plus system time of all its threads (utime + stime of /proc/PID/stat).
  std::optional<std::chrono::milliseconds> cpu_time() const;

 private:
  pid_t pid_;
};

}  // namespace soak
