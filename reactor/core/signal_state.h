// Signal state: what the library changes in the process's signals, and how a child process
// started with fork() and exec() undoes it. A Reactor sets SIGPIPE to ignored (if the process had
// left it at its default) and a SignalHandler blocks its signals; exec() keeps both, so without
// restore_signals_for_exec() a child such as `yes | head` would not die of SIGPIPE, and a child
// waiting for SIGTERM would never receive it.
// Ownership: process-wide state, recorded as the library makes each change.
// Threads: the changes are recorded from any thread; restore_signals_for_exec() is for the child.
#pragma once

#include <signal.h>

namespace reactor {

// Call in the child between fork() and exec(): sets SIGPIPE back to its default if a Reactor
// ignored it (and it is still ignored), and unblocks, in the calling thread, the signals that
// SignalHandlers blocked and that were not blocked before. Signals the process ignored or blocked
// itself stay as they are. Async-signal-safe. Children started with posix_spawn() (and so
// system() and popen()) cannot run it: pass POSIX_SPAWN_SETSIGDEF with SIGPIPE and
// POSIX_SPAWN_SETSIGMASK instead.
void restore_signals_for_exec() noexcept;

namespace detail {
// Ignores SIGPIPE once per process, and only if its disposition is still the default.
void ignore_sigpipe_once();
// Blocks `signals` in the calling thread, recording those that were not blocked before. Returns
// 0 or the error pthread_sigmask() reported.
int block_signals(const sigset_t& signals);
}  // namespace detail

}  // namespace reactor
