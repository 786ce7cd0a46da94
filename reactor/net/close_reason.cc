#include "reactor/net/close_reason.h"

#include <ostream>

namespace reactor {

const char* to_string(CloseKind kind) {
  switch (kind) {
    case CloseKind::kLocalClose:
      return "closed locally";
    case CloseKind::kPeerClosed:
      return "closed by peer";
    case CloseKind::kReset:
      return "reset by peer";
    case CloseKind::kReadError:
      return "read error";
    case CloseKind::kWriteError:
      return "write error";
    case CloseKind::kIdleTimeout:
      return "idle timeout";
    case CloseKind::kInputLimit:
      return "input limit exceeded";
    case CloseKind::kBufferFailure:
      return "buffer could not grow";
    case CloseKind::kPollerRefused:
      return "refused by the poller";
    case CloseKind::kFlushTimeout:
      return "flush timeout";
    case CloseKind::kAborted:
      return "aborted";
  }
  return "unknown";
}

std::string to_string(CloseReason reason) {
  std::string text = to_string(reason.kind);
  if (reason.error != 0) {
    text += ": ";
    text += reason.error_code().message();
  }
  return text;
}

std::ostream& operator<<(std::ostream& out, CloseKind kind) {
  return out << to_string(kind);
}

std::ostream& operator<<(std::ostream& out, CloseReason reason) {
  return out << to_string(reason);
}

}  // namespace reactor
