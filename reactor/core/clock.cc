#include "reactor/core/clock.h"

namespace reactor {

const SteadyClock& SteadyClock::instance() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace reactor
