#include "test/support/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

// glibc 2.36's <sys/pidfd.h> lacks the C-linkage guards that C++ callers need.
extern "C" {
#include <sys/pidfd.h>
}

extern char** environ;

namespace reactor::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

std::string_view name_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

// This process's environment with `overrides` replacing or adding entries.
std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view name = name_of(*entry);
    const bool overridden = std::any_of(overrides.begin(), overrides.end(),
                                        [&](const std::string& o) { return name_of(o) == name; });
    if (!overridden) result.emplace_back(*entry);
  }
  result.insert(result.end(), overrides.begin(), overrides.end());
  return result;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings)
    pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Owns the posix_spawn attribute objects for one spawn.
class SpawnSetup {
 public:
  SpawnSetup(int out_fd, int err_fd) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions_, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, err_fd, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1);

    posix_spawnattr_init(&attributes_);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attributes_, &empty);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP})
      sigaddset(&defaults, signal_number);
    posix_spawnattr_setsigdefault(&attributes_, &defaults);
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attributes_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attributes() const { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

}  // namespace

std::string ExitStatus::describe() const {
  return exited ? "exit code " + std::to_string(code) : "signal " + std::to_string(signal);
}

ChildProcess::ChildProcess(const std::string& path, const std::vector<std::string>& args,
                           const std::vector<std::string>& environment) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw_errno(error, "pipe2");
  }
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];

  std::vector<std::string> argv_strings{path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = merged_environment(environment);
  std::vector<char*> argv = pointers_to(argv_strings);
  std::vector<char*> envp = pointers_to(env_strings);

  int error;
  {
    const SpawnSetup setup(out_pipe[1], err_pipe[1]);
    error = posix_spawn(&pid_, path.c_str(), setup.actions(), setup.attributes(), argv.data(),
                        envp.data());
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (error != 0) {
    close_fd(out_fd_);
    close_fd(err_fd_);
    throw_errno(error, "posix_spawn " + path);
  }
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  pid_fd_ = pidfd_open(pid_, 0);
  if (pid_fd_ < 0) {
    const int pidfd_error = errno;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    close_fd(out_fd_);
    close_fd(err_fd_);
    throw_errno(pidfd_error, "pidfd_open");
  }
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(pid_fd_);
  close_fd(out_fd_);
  close_fd(err_fd_);
}

std::optional<std::string> ChildProcess::wait_for_line(std::string_view prefix, Timeout timeout) {
  std::optional<std::string> found;
  auto find_line = [&] {
    std::size_t start = 0;
    for (std::size_t end; (end = out_.find('\n', start)) != std::string::npos; start = end + 1) {
      const std::string_view line(out_.data() + start, end - start);
      if (line.substr(0, prefix.size()) == prefix) {
        found = std::string(line);
        return true;
      }
    }
    return out_fd_ < 0;  // stdout closed: no more lines will come
  };
  pump(SteadyClock::now() + timeout, find_line);
  return found;
}

bool ChildProcess::send_signal(int signal_number) {
  if (status_) return false;
  return ::kill(pid_, signal_number) == 0;
}

std::optional<ExitStatus> ChildProcess::wait(Timeout timeout) {
  pump(SteadyClock::now() + timeout,
       [this] { return status_.has_value() && out_fd_ < 0 && err_fd_ < 0; });
  return status_;
}

std::optional<std::size_t> ChildProcess::resident_bytes() const {
  if (status_) return std::nullopt;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      if (status >> kib) return kib * 1024;
      return std::nullopt;
    }
    status.ignore(1 << 16, '\n');
  }
  return std::nullopt;
}

std::optional<std::size_t> ChildProcess::open_sockets() const {
  if (status_) return std::nullopt;
  const std::string fd_dir = "/proc/" + std::to_string(pid_) + "/fd/";
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return std::nullopt;
  std::size_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    char target[64];
    const ssize_t length = ::readlink((fd_dir + entry->d_name).c_str(), target, sizeof target);
    if (length > 0 &&
        std::string_view(target, static_cast<std::size_t>(length)).substr(0, 7) == "socket:") {
      ++count;
    }
  }
  ::closedir(dir);
  return count;
}

template <typename Done>
bool ChildProcess::pump(SteadyClock::time_point deadline, Done done) {
  while (!done()) {
    pollfd fds[3];
    nfds_t count = 0;
    for (int fd : {out_fd_, err_fd_, pid_fd_}) {
      if (fd >= 0) fds[count++] = pollfd{fd, POLLIN, 0};
    }
    const auto remaining =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (count == 0 || remaining.count() <= 0) return done();
    const int ready = ::poll(fds, count, static_cast<int>(remaining.count()));
    if (ready < 0 && errno != EINTR) throw_errno(errno, "poll");
    for (nfds_t i = 0; ready > 0 && i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_fd_) {
        read_into(out_fd_, out_);
      } else if (fds[i].fd == err_fd_) {
        read_into(err_fd_, err_);
      } else {
        try_reap();
      }
    }
  }
  return true;
}

void ChildProcess::read_into(int& fd, std::string& sink) {
  char buffer[64 * 1024];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    sink.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close_fd(fd);
  }
}

void ChildProcess::try_reap() {
  int raw = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(pid_, &raw, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped != pid_) return;
  ExitStatus status;
  status.exited = WIFEXITED(raw);
  status.code = status.exited ? WEXITSTATUS(raw) : 0;
  status.signal = WIFSIGNALED(raw) ? WTERMSIG(raw) : 0;
  status_ = status;
  close_fd(pid_fd_);
}

}  // namespace reactor::testing
