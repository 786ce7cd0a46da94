// A user's test: a timer on a Reactor built on MockPoller and ManualClock fires only once the
// clock passes its deadline, and readiness injected into the mock reaches a handler; then one
// timer on a real epoll reactor. Exits 0 only if all of it happened.
#include <chrono>
#include <cstdio>
#include <memory>

#include "reactor/reactor.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

#ifdef CONSUMER_CXX_STANDARD
static_assert(__cplusplus >= CONSUMER_CXX_STANDARD, "the package downgraded the C++ standard");
#endif

namespace {

class Reader : public reactor::EventHandler {
 public:
  int reads = 0;

 private:
  void on_readable() override { ++reads; }
};

bool check(bool condition, const char* what) {
  if (!condition) std::fprintf(stderr, "consumer: %s\n", what);
  return condition;
}

}  // namespace

int main() {
  using std::chrono::milliseconds;
  reactor::testing::ManualClock clock;
  auto owned_poller = std::make_unique<reactor::testing::MockPoller>();
  reactor::testing::MockPoller& poller = *owned_poller;
  reactor::Reactor mocked(std::move(owned_poller), clock);

  int fired = 0;
  reactor::CallbackTimer timer([&] { ++fired; });
  timer.start(mocked, milliseconds(10));
  mocked.run_once(milliseconds(0));
  bool ok = check(fired == 0, "the timer fired before its deadline");
  clock.advance(milliseconds(10));
  mocked.run_once(milliseconds(0));
  ok = check(fired == 1, "the timer did not fire at its deadline") && ok;

  constexpr int kFakeFd = 42;  // the mock never touches it
  Reader reader;
  reader.start(mocked, kFakeFd, reactor::kRead);
  poller.inject(kFakeFd, reactor::kReadable);
  mocked.run_once(milliseconds(0));
  ok = check(reader.reads == 1, "injected readiness did not reach the handler") && ok;
  reader.stop();

  reactor::Reactor loop;
  bool real_fired = false;
  reactor::CallbackTimer real_timer([&] {
    real_fired = true;
    loop.stop();
  });
  real_timer.start(loop, milliseconds(1));
  loop.run();
  ok = check(real_fired, "the timer on the epoll reactor did not fire") && ok;
  return ok ? 0 : 1;
}
