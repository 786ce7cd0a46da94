// The fuzzer's input as a program: ByteProgram reads fields from the input bytes, Action is what a
// callback, timer or posted task does, and the decoders turn field values into lengths and times.
// FUZZ_CHECK aborts on a violated invariant, which libFuzzer records as a crash.
// Ownership: ByteProgram views the input, which must outlive it. Threads: one.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "reactor/core/clock.h"
#include "reactor/core/events.h"

namespace reactor::fuzz {

[[noreturn]] inline void violated(const char* what, const char* file, int line) {
  std::fprintf(stderr, "reactor_fuzzer: invariant violated at %s:%d: %s\n", file, line, what);
  std::abort();
}

#define FUZZ_CHECK(condition)                                                    \
  do {                                                                           \
    if (!(condition)) ::reactor::fuzz::violated(#condition, __FILE__, __LINE__); \
  } while (false)

// Handlers, connections and timers each live in this many slots.
inline constexpr std::size_t kSlots = 16;
inline constexpr std::size_t kMaxChunk = 4096;

// The input, read front to back; past the end every byte reads as 0. A field taken modulo a
// divisor of 48 reads the value v from the character '0' + v, so seeds can be written as text.
class ByteProgram {
 public:
  ByteProgram(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool done() const { return next_ >= size_; }
  std::uint8_t byte() { return done() ? 0 : data_[next_++]; }
  unsigned field(unsigned modulus) { return byte() % modulus; }
  std::size_t slot() { return field(kSlots); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t next_ = 0;
};

// What a callback, a posted task or a timer does when it runs.
enum class ActionKind : std::uint8_t {
  kNone,
  kStopHandler,
  kDestroyHandler,
  kRestartHandler,  // on its own fd, with interest arg % 4
  kToggleWrite,
  kSpawnHandler,  // configured by arg, if the slot is free
  kAdoptFd,       // handler `target` starts on the fd of handler `target + 1`
  kStartTimer,    // one-shot, delay from arg
  kStopTimer,
  kRestartTimer,
  kDestroyTimer,
  kCloseConnection,
  kAbortConnection,
  kShutdownConnection,
  kDestroyConnection,
  kStopReactor,
  kWakeReactor,
  kRefuseRegistration,
  kPost,  // last: the posted task does action arg % 24 (a post there counts as none)
};
inline constexpr unsigned kActionCodes = 24;  // codes past kPost mean kNone

struct Action {
  ActionKind kind = ActionKind::kNone;
  std::size_t target = 0;  // a slot
  std::uint8_t arg = 0;
};

inline ActionKind action_kind(unsigned code) {
  code %= kActionCodes;
  return code <= static_cast<unsigned>(ActionKind::kPost) ? static_cast<ActionKind>(code)
                                                          : ActionKind::kNone;
}

inline Action read_action(ByteProgram& program) {
  Action action;
  action.kind = action_kind(program.byte());
  action.target = program.slot();
  action.arg = program.byte();
  return action;
}

// Bits 0-1 of `code`: kRead, kWrite. Built from the named bits, whatever their values.
inline Interest interest_from(unsigned code) {
  return ((code & 1) != 0 ? kRead : kNoInterest) | ((code & 2) != 0 ? kWrite : kNoInterest);
}
// Bits 0-3 of `code`: kReadable, kWritable, kError, kHangup.
inline Readiness readiness_from(unsigned code) {
  Readiness readiness{};
  if ((code & 1) != 0) readiness |= kReadable;
  if ((code & 2) != 0) readiness |= kWritable;
  if ((code & 4) != 0) readiness |= kError;
  if ((code & 8) != 0) readiness |= kHangup;
  return readiness;
}

// Times are in quarter milliseconds, so that the rounding of waits to whole milliseconds matters.
inline Clock::duration timer_delay(unsigned code) {
  return std::chrono::microseconds(250) * (static_cast<int>(code % 48) - 4);  // -1 .. 10.75 ms
}
inline Clock::duration timer_interval(unsigned code) {
  return std::chrono::microseconds(500) * (code % 48);  // 0: one-shot
}
inline Clock::duration clock_step(unsigned code) {
  code %= 48;
  if (code >= 40) return std::chrono::seconds(code - 39);  // far past every deadline
  return std::chrono::microseconds(250) * code;
}
// Bytes for the peer to send: 0 .. 15, then multiples of 128 up to kMaxChunk.
inline std::size_t chunk_length(unsigned code) {
  code %= 48;
  return code < 16 ? code : std::min<std::size_t>((code - 15) * 128, kMaxChunk);
}

}  // namespace reactor::fuzz
