// Misuses of Interest and Readiness that must not compile (reactor/core/events.h). CMake compiles
// this file once as it is, which must succeed, and once per case with -DMISUSE_<case>, which must
// fail: each case adds one line to code that is otherwise known to compile.
#include "reactor/core/event_handler.h"

namespace {

class Handler : public reactor::EventHandler {};

}  // namespace

void use_events(Handler& handler) {
  using namespace reactor;
  // What the types are for.
  handler.set_interest(kRead | kWrite);
  handler.disable(kWrite);
  handler.enable(~handler.interest());
  const Readiness ready = Readiness::from_kernel(0x1) | kHangup;
  const bool asked_and_ready = static_cast<bool>(ready & handler.interest() & kReadable);
  const bool reading = handler.interest().contains(kRead);
  (void)asked_and_ready;
  (void)reading;

#if defined(MISUSE_SET_INTEREST_ERROR)  // error is reported, never asked for
  handler.set_interest(kError);
#elif defined(MISUSE_SET_INTEREST_INTEGER)
  handler.set_interest(3);
#elif defined(MISUSE_INTEREST_FROM_READINESS)
  Interest interest = kReadable;
#elif defined(MISUSE_INTEREST_FROM_BRACED_INTEGER)
  Interest interest{5};
#elif defined(MISUSE_READINESS_FROM_INTEGER)
  Readiness readiness = 1;
#elif defined(MISUSE_INTEREST_AS_INTEGER)
  int bits = handler.interest();
#elif defined(MISUSE_INTEREST_COMPARED_WITH_INTEGER)
  const bool reading_by_bits = (handler.interest() & kRead) != 0;
#elif defined(MISUSE_INTEREST_COMPARED_WITH_READINESS)
  const bool same = handler.interest() == kReadable;
#endif
}
