// Linked from reactor/core's objects alone (no pollers, no net): proves that core depends on
// neither. A core file that calls into reactor/poller/ or reactor/net/ breaks this link.
#include <memory>
#include <vector>

#include "reactor/core/reactor.h"

namespace {

// Core's own interface, implemented here so that no concrete poller is needed.
class NothingReadyPoller final : public reactor::Poller {
 public:
  void add(int, reactor::Interest, reactor::EventHandler*) override {}
  void modify(int, reactor::Interest, reactor::EventHandler*) override {}
  void remove(int, reactor::EventHandler*) override {}
  void wait(int, std::vector<Event>&) override {}
  std::string_view name() const override { return "nothing ready"; }
};

}  // namespace

int main() {
  reactor::Reactor reactor(std::make_unique<NothingReadyPoller>());
  bool ran = false;
  reactor.post([&] { ran = true; });
  reactor.run_once(std::chrono::milliseconds(0));
  return ran ? 0 : 1;
}
