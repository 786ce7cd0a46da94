#include "apps/bench/soak/session_plan.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace soak {
namespace {

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;
// Small socket buffers make a slow or non-reading peer back the server's output up sooner.
constexpr int kSmallSocketBuffer = 64 * KiB;

using Duration = SessionPlan::Duration;

}  // namespace

const char* kind_name(SessionKind kind) {
  switch (kind) {
    case SessionKind::kChurn:
      return "churn";
    case SessionKind::kBurst:
      return "burst";
    case SessionKind::kHalfClose:
      return "half-close";
    case SessionKind::kReset:
      return "reset";
    case SessionKind::kSlowReader:
      return "slow-reader";
    case SessionKind::kNonReader:
      return "non-reader";
    case SessionKind::kKeepalive:
      return "keepalive";
    case SessionKind::kIdle:
      return "idle";
  }
  return "?";
}

bool is_heavy(SessionKind kind) {
  return kind == SessionKind::kSlowReader || kind == SessionKind::kNonReader;
}

PlanPicker::PlanPicker(const Weights& weights, std::chrono::milliseconds max_quiet,
                       std::uint64_t seed)
    : weights_(weights), max_quiet_(max_quiet), random_(seed) {
  bool any_light = false;
  for (std::size_t i = 0; i < kSessionKinds; ++i) {
    any_light = any_light || (weights_[i] > 0 && !is_heavy(static_cast<SessionKind>(i)));
  }
  if (!any_light) throw std::invalid_argument("the session mix needs a kind that is not heavy");
}

SessionPlan PlanPicker::pick(bool allow_heavy) {
  return plan_for(pick_kind(allow_heavy));
}

SessionKind PlanPicker::pick_kind(bool allow_heavy) {
  unsigned total = 0;
  for (std::size_t i = 0; i < kSessionKinds; ++i) {
    if (allow_heavy || !is_heavy(static_cast<SessionKind>(i))) total += weights_[i];
  }
  unsigned ticket = static_cast<unsigned>(uniform(0, total - 1));
  for (std::size_t i = 0; i < kSessionKinds; ++i) {
    const auto kind = static_cast<SessionKind>(i);
    if (!allow_heavy && is_heavy(kind)) continue;
    if (ticket < weights_[i]) return kind;
    ticket -= weights_[i];
  }
  return SessionKind::kChurn;  // not reached: the tickets add up to `total`
}

SessionPlan PlanPicker::plan_for(SessionKind kind) {
  SessionPlan plan;
  plan.kind = kind;
  plan.read_chunk = 64 * KiB;
  switch (kind) {
    case SessionKind::kChurn:
      plan.bytes = coin() ? 0 : uniform(1, 256);
      plan.ending = Ending::kClose;
      break;
    case SessionKind::kBurst: {
      const std::size_t messages = uniform(2, 64);
      const std::size_t message_size = log_uniform(16, 2 * KiB);
      plan.write_chunk = messages * message_size;
      plan.bytes = plan.write_chunk * uniform(1, 16);
      plan.write_pause = Duration(uniform(0, 5));
      plan.ending = coin() ? Ending::kHalfClose : Ending::kClose;
      break;
    }
    case SessionKind::kHalfClose:
      plan.bytes = log_uniform(1, MiB);
      plan.write_chunk = 256 * KiB;
      // Up to 256 KiB fits in the socket buffers, so all of it can be written before reading;
      // more is read while it is written, or both sides would stall.
      plan.read_after_writes = plan.bytes <= 256 * KiB;
      plan.ending = Ending::kHalfClose;
      break;
    case SessionKind::kReset:
      plan.bytes = log_uniform(1, 512 * KiB);
      plan.write_chunk = 64 * KiB;
      plan.reset_at = uniform(1, plan.bytes);
      plan.ending = Ending::kReset;
      break;
    case SessionKind::kSlowReader:
      // At least 16 KiB every 20 ms: the server, paused by backpressure, reads again well
      // within a second, far below any sane idle timeout.
      plan.bytes = uniform(256 * KiB, 2 * MiB);
      plan.write_chunk = 64 * KiB;
      plan.read_chunk = uniform(16 * KiB, 64 * KiB);
      plan.read_pause = Duration(uniform(5, 20));
      plan.socket_buffer = kSmallSocketBuffer;
      plan.ending = Ending::kHalfClose;
      break;
    case SessionKind::kNonReader:
      // More than the socket buffers and the server's high-water mark hold together, so the
      // writes stall on the server's backpressure.
      plan.bytes = uniform(8 * MiB, 16 * MiB);
      plan.write_chunk = 256 * KiB;
      plan.read_after_writes = true;
      plan.hold = Duration(uniform(100, 500));
      plan.socket_buffer = kSmallSocketBuffer;
      if (coin()) {
        plan.ending = Ending::kHalfClose;
      } else {  // gives up: resets while the server still has output queued for it
        plan.ending = Ending::kReset;
        plan.reset_at = uniform(1, MiB);
      }
      break;
    case SessionKind::kKeepalive: {
      // Half to all of max_quiet between messages: many seconds open, never idle for long.
      const auto quiet = static_cast<std::size_t>(max_quiet_.count());
      plan.write_chunk = uniform(1, 256);
      plan.bytes = plan.write_chunk * uniform(4, 12);
      plan.write_pause = Duration(uniform(quiet / 2, quiet));
      plan.ending = Ending::kClose;
      break;
    }
    case SessionKind::kIdle:
      plan.bytes = uniform(0, 64);
      plan.ending = Ending::kIdleReap;
      break;
  }
  plan.write_chunk = std::max<std::size_t>(1, std::min(plan.write_chunk, plan.bytes));
  return plan;
}

std::size_t PlanPicker::uniform(std::size_t low, std::size_t high) {
  return std::uniform_int_distribution<std::size_t>(low, high)(random_);
}

std::size_t PlanPicker::log_uniform(std::size_t low, std::size_t high) {
  const double exponent = std::uniform_real_distribution<double>(
      std::log(static_cast<double>(low)), std::log(static_cast<double>(high) + 1))(random_);
  return std::min(high, std::max(low, static_cast<std::size_t>(std::exp(exponent))));
}

bool PlanPicker::coin() {
  return uniform(0, 1) == 1;
}

}  // namespace soak
