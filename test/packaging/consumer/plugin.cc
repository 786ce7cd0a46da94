#include "plugin.h"

#include <chrono>

#include "reactor/reactor.h"

bool plugin_timer_fires() {
  reactor::Reactor loop;
  bool fired = false;
  reactor::CallbackTimer timer([&] {
    fired = true;
    loop.stop();
  });
  timer.start(loop, std::chrono::milliseconds(1));
  loop.run();
  return fired;
}
