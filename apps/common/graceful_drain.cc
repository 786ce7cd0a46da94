#include "apps/common/graceful_drain.h"

#include <utility>

namespace app {
namespace {

// How often a draining worker looks for its last connection.
constexpr std::chrono::milliseconds kCheckInterval{10};

}  // namespace

GracefulDrain::GracefulDrain(reactor::Reactor& reactor, std::chrono::milliseconds grace,
                             Hooks hooks)
    : reactor_(reactor),
      grace_(grace),
      hooks_(std::move(hooks)),
      check_timer_([this] { check(); }),
      grace_timer_([this] {
        hooks_.abort_rest();
        finish();
      }) {}

void GracefulDrain::begin() {
  if (begun_) return;
  begun_ = true;
  grace_timer_.start(reactor_, grace_);
  check_timer_.start(reactor_, kCheckInterval, kCheckInterval);
  check();
}

void GracefulDrain::check() {
  if (hooks_.remaining() == 0) finish();
}

void GracefulDrain::finish() {
  check_timer_.stop();
  grace_timer_.stop();
  if (finished_) return;
  finished_ = true;
  hooks_.drained();
}

}  // namespace app
