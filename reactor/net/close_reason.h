// CloseReason: why a Connection ended, as Connection::on_close() reports it: a kind, and the
// errno behind it where there is one, so that logs and metrics can tell a peer's reset from an
// idle timeout or a local close. to_string() words it for a log line.
// Ownership: a plain value (two ints). Threads: any.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <system_error>

namespace reactor {

enum class CloseKind : std::uint8_t {
  // close() or shutdown() came first and finished: the output was flushed, and the peer's EOF
  // (or the linger timeout) ended it.
  kLocalClose,
  // The peer's EOF came first, and the connection then closed with its output flushed
  // (on_peer_shutdown()'s default close(), or a close() or shutdown() after the EOF).
  kPeerClosed,
  // The peer reset the connection or hung up: ECONNRESET or EPIPE from a read or write, or an
  // error or hang-up the poller reported (`error` is the socket's SO_ERROR, 0 for a bare hang-up).
  kReset,
  kReadError,    // a read failed otherwise (`error`)
  kWriteError,   // a write failed otherwise (`error`)
  kIdleTimeout,  // no activity for the IdleTracker's timeout (on_idle()'s default abort()), or
                 // a close whose output the peer would not take when the timeout came
  kInputLimit,   // unconsumed input beyond Limits::max_input
  // Output or kept input that a buffer could not take (out of memory, or past its 4 GiB bound):
  // the stream would have a hole.
  kBufferFailure,
  kPollerRefused,  // the poller refused an interest change (`error`, e.g. ENOMEM)
  kFlushTimeout,   // close() or shutdown() could not flush the output within Limits::flush_timeout
  kAborted,        // abort() by the user, or by its TcpServer's destruction or abort_all()
};

struct CloseReason {
  CloseKind kind = CloseKind::kAborted;
  int error = 0;  // the errno behind it, 0 where none applies

  std::error_code error_code() const { return {error, std::generic_category()}; }
  // A reset, a failure or a timeout; not kLocalClose or kPeerClosed.
  bool abnormal() const { return kind != CloseKind::kLocalClose && kind != CloseKind::kPeerClosed; }

  friend bool operator==(CloseReason a, CloseReason b) {
    return a.kind == b.kind && a.error == b.error;
  }
  friend bool operator!=(CloseReason a, CloseReason b) { return !(a == b); }
};

// "reset by peer", "idle timeout", ...
const char* to_string(CloseKind kind);
// The kind, and the error if there is one: "reset by peer: Connection reset by peer".
std::string to_string(CloseReason reason);
// Write to_string(), so that test frameworks print a kind or a reason in words.
std::ostream& operator<<(std::ostream& out, CloseKind kind);
std::ostream& operator<<(std::ostream& out, CloseReason reason);

}  // namespace reactor
