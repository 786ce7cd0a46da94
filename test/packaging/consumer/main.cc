// Runs one timer on an installed reactor; exits 0 only if it fired.
#include <chrono>

#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"

int main() {
  reactor::Reactor loop;
  bool fired = false;
  reactor::CallbackTimer timer([&] {
    fired = true;
    loop.stop();
  });
  timer.start(loop, std::chrono::milliseconds(1));
  loop.run();
  return fired ? 0 : 1;
}
