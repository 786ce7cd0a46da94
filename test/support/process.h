// ChildProcess: runs a program (posix_spawn) with its stdout and stderr captured through pipes, so
// that a test can drive a server binary from outside: wait for a line it prints, send it signals,
// wait for it to exit. Every wait takes a timeout; nothing blocks without a bound.
// Ownership: owns the child and the pipes; a child still running at destruction is killed
// (SIGKILL) and reaped. Threads: one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::testing {

// How a child ended.
struct ExitStatus {
  bool exited = false;  // true: exit code in `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;

  bool success() const { return exited && code == 0; }
  std::string describe() const;  // "exit code 2", "signal 9"
};

class ChildProcess {
 public:
  using Timeout = std::chrono::milliseconds;

  // Starts `path` with `args` (argv[0] is `path`), stdin from /dev/null, no other descriptor of
  // this process inherited, default signal dispositions and an empty signal mask. `environment`
  // entries ("NAME=value") are added to this process's environment, replacing same-named ones.
  // Throws std::system_error if the program cannot be started.
  ChildProcess(const std::string& path, const std::vector<std::string>& args,
               const std::vector<std::string>& environment = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The first complete stdout line that starts with `prefix` (without its newline), waiting up to
  // `timeout` for it; std::nullopt if none came in time or the child closed its stdout first.
  std::optional<std::string> wait_for_line(std::string_view prefix, Timeout timeout);
  // Sends `signal_number` to the child; false if it has already been reaped.
  bool send_signal(int signal_number);
  // Waits up to `timeout` for the child to exit and reaps it, collecting the rest of its output.
  // std::nullopt if it is still running.
  std::optional<ExitStatus> wait(Timeout timeout);

  // Output captured so far.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // The child's resident set size (VmRSS in /proc/PID/status); std::nullopt once it has exited.
  std::optional<std::size_t> resident_bytes() const;
  // The sockets the child has open (its listeners and connections: the entries of /proc/PID/fd
  // that are sockets); std::nullopt once it has exited. Other descriptors are left out, as a
  // sanitizer runtime opens and closes pipes of its own at moments of its choosing.
  std::optional<std::size_t> open_sockets() const;

 private:
  // Reads whatever the pipes and the pid fd have until `done()` holds or `deadline` passes.
  template <typename Done>
  bool pump(std::chrono::steady_clock::time_point deadline, Done done);
  void read_into(int& fd, std::string& sink);
  void try_reap();

  pid_t pid_ = -1;
  int pid_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::optional<ExitStatus> status_;
};

}  // namespace reactor::testing
