#include "reactor/core/signal_state.h"

#include <pthread.h>

#include <atomic>
#include <cstdint>

namespace reactor {
namespace {

// Linux numbers signals from 1 to 64; bit n - 1 stands for signal n. Lock-free atomics, so the
// child may read them between fork() and exec().
constexpr int kLastSignal = 64;
std::atomic<std::uint64_t> blocked_by_library{0};
std::atomic<bool> sigpipe_ignored_by_library{false};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

std::uint64_t bit(int signal_number) {
  return std::uint64_t{1} << (signal_number - 1);
}

void set_disposition(int signal_number, void (*disposition)(int)) {
  struct sigaction action {};
  action.sa_handler = disposition;
  sigemptyset(&action.sa_mask);
  sigaction(signal_number, &action, nullptr);
}

}  // namespace

void restore_signals_for_exec() noexcept {
  if (sigpipe_ignored_by_library.load()) {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) {
      set_disposition(SIGPIPE, SIG_DFL);
    }
  }
  const std::uint64_t blocked = blocked_by_library.load();
  if (blocked == 0) return;
  sigset_t unblock;
  sigemptyset(&unblock);
  for (int signal_number = 1; signal_number <= kLastSignal; ++signal_number) {
    if (blocked & bit(signal_number)) sigaddset(&unblock, signal_number);
  }
  sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
}

namespace detail {

void ignore_sigpipe_once() {
  // A peer that resets a connection must never kill the process with SIGPIPE. The disposition is
  // process-wide, so it is changed once, and only if nobody chose one before us.
  static const bool done = [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      sigpipe_ignored_by_library.store(true);
      set_disposition(SIGPIPE, SIG_IGN);
    }
    return true;
  }();
  (void)done;
}

int block_signals(const sigset_t& signals) {
  sigset_t before;
  const int error = pthread_sigmask(SIG_BLOCK, &signals, &before);
  if (error != 0) return error;
  std::uint64_t added = 0;
  for (int signal_number = 1; signal_number <= kLastSignal; ++signal_number) {
    if (sigismember(&signals, signal_number) == 1 && sigismember(&before, signal_number) == 0) {
      added |= bit(signal_number);
    }
  }
  blocked_by_library.fetch_or(added);
  return 0;
}

}  // namespace detail
}  // namespace reactor
