// SessionPlan: what one soak connection does, from connecting to closing; PlanPicker draws
// plans at random from the mix of peer behaviours the soak exercises.
// SessionPlan is a plain value. PlanPicker owns its random generator. Threads: one at a time.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>

namespace soak {

enum class SessionKind {
  kChurn,       // connects, echoes a few bytes or none, closes
  kBurst,       // pipelined bursts: many messages written back to back before their echo is read
  kHalfClose,   // writes, shuts down its write side, reads the rest of the echo and the EOF
  kReset,       // resets the connection (SO_LINGER 0 close) part-way through the echo
  kSlowReader,  // reads its echo in small pieces with pauses, so the server's output backs up
  kNonReader,   // writes without reading until its writes stall, waits, then reads everything
  kKeepalive,   // stays open for many seconds, sending a little more often than the idle timeout
  kIdle,        // goes silent and must be closed by the server's idle timeout
};
inline constexpr std::size_t kSessionKinds = 8;

const char* kind_name(SessionKind kind);
// Slow and non-reading peers hold up to a megabyte or so of server memory each; the soak caps
// how many run at once so that the memory bound it checks is known.
bool is_heavy(SessionKind kind);

// How a session ends once its bytes are sent.
enum class Ending {
  kHalfClose,  // shutdown(SHUT_WR) after the last write; the echo must end with EOF exactly there
  kClose,      // close() once every byte is echoed
  kReset,      // SO_LINGER 0 close once `reset_at` echoed bytes are checked
  kIdleReap,   // silence once every byte is echoed; the server must close within its idle timeout
};

struct SessionPlan {
  using Duration = std::chrono::milliseconds;

  SessionKind kind = SessionKind::kChurn;
  Ending ending = Ending::kClose;
  std::size_t bytes = 0;        // sent in all; the echo must match them byte for byte
  std::size_t write_chunk = 1;  // bytes per write: one burst of pipelined messages
  Duration write_pause{0};      // between bursts
  std::size_t read_chunk = 1;   // most bytes per read
  Duration read_pause{0};       // between reads
  // Read nothing until every byte is written or the writes stall, then wait `hold` first.
  bool read_after_writes = false;
  Duration hold{0};
  int socket_buffer = 0;  // SO_RCVBUF and SO_SNDBUF before connecting; 0: the kernel's default
  std::size_t reset_at = 0;
};

class PlanPicker {
 public:
  // Relative weights of the kinds, indexed by SessionKind; zero leaves a kind out.
  using Weights = std::array<unsigned, kSessionKinds>;

  // `max_quiet`: the longest a session other than an idle one may leave the server without
  // input (a keepalive session's pause between messages).
  PlanPicker(const Weights& weights, std::chrono::milliseconds max_quiet, std::uint64_t seed);

  // A random plan; heavy kinds are left out when `allow_heavy` is false.
  SessionPlan pick(bool allow_heavy);
  // A random seed for a session's StreamPattern.
  std::uint64_t next_seed() { return random_(); }

 private:
  SessionKind pick_kind(bool allow_heavy);
  SessionPlan plan_for(SessionKind kind);
  std::size_t uniform(std::size_t low, std::size_t high);
  // Spread over orders of magnitude: small sizes as often as large ones.
  std::size_t log_uniform(std::size_t low, std::size_t high);
  bool coin();

  Weights weights_;
  std::chrono::milliseconds max_quiet_;
  std::mt19937_64 random_;
};

}  // namespace soak
