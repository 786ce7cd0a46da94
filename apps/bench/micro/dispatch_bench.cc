// Cost of dispatching one ready event: through a MockPoller (the reactor's own work, plus the
// mock's coalescing) and through a real epoll wait on always-readable eventfds.
#include <benchmark/benchmark.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

namespace reactor {
namespace {

// Counts its readable callbacks and does nothing else, so only the dispatch is measured.
class CountingHandler final : public EventHandler {
 public:
  long calls() const { return calls_; }

 private:
  void on_readable() override { ++calls_; }
  long calls_ = 0;
};

long total_calls(const std::vector<CountingHandler>& handlers) {
  long total = 0;
  for (const CountingHandler& handler : handlers)
    total += handler.calls();
  return total;
}

void BM_DispatchMockPoller(benchmark::State& state) {
  const auto ready = static_cast<int>(state.range(0));
  testing::ManualClock clock;
  auto owned = std::make_unique<testing::MockPoller>();
  testing::MockPoller& poller = *owned;
  Reactor reactor(std::move(owned), clock);
  std::vector<CountingHandler> handlers(static_cast<std::size_t>(ready));
  for (int i = 0; i < ready; ++i) {
    const int fd = 1000 + i;  // never a real descriptor: the mock does not touch it
    handlers[static_cast<std::size_t>(i)].start(reactor, fd, kRead);
    poller.set_ready(fd, kReadable);
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(reactor.run_once(std::chrono::milliseconds(0)));
  state.SetItemsProcessed(total_calls(handlers));
}
BENCHMARK(BM_DispatchMockPoller)->RangeMultiplier(8)->Range(1, 512);

// An eventfd with a non-zero counter that nobody reads stays readable: level-triggered epoll
// reports it on every wait.
class ReadyEventFd {
 public:
  ReadyEventFd() : fd_(eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~ReadyEventFd() { ::close(fd_); }
  ReadyEventFd(const ReadyEventFd&) = delete;
  ReadyEventFd& operator=(const ReadyEventFd&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

void BM_DispatchEpoll(benchmark::State& state) {
  const auto ready = static_cast<std::size_t>(state.range(0));
  Reactor reactor;
  std::vector<ReadyEventFd> fds(ready);
  std::vector<CountingHandler> handlers(ready);
  for (std::size_t i = 0; i < ready; ++i) {
    if (fds[i].fd() < 0) {
      state.SkipWithError("eventfd failed");
      return;
    }
    handlers[i].start(reactor, fds[i].fd(), kRead);
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(reactor.run_once(std::chrono::milliseconds(0)));
  // Counted, not assumed: epoll hands out at most its buffer's worth of events per wait (the
  // buffer grows as waits fill it), rotating through the ready fds.
  state.SetItemsProcessed(total_calls(handlers));
}
BENCHMARK(BM_DispatchEpoll)->RangeMultiplier(8)->Range(1, 512);

}  // namespace
}  // namespace reactor
