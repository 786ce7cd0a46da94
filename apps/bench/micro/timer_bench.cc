// Cost of starting and stopping a timer while N others are pending (the heap's depth), of firing
// due timers, and of arming and cancelling many timers at once, owned (Reactor::run_after) or
// handler-owned (TimerHandler).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "reactor/core/owned_timers.h"
#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

namespace reactor {
namespace {

using std::chrono::milliseconds;

class NoopTimer final : public TimerHandler {
 private:
  void on_timer() override {}
};

// `count` delays spread over a minute, the same on every call.
std::vector<milliseconds> spread_delays(std::size_t count) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> delay_ms(1, 60'000);
  std::vector<milliseconds> delays(count);
  for (milliseconds& delay : delays)
    delay = milliseconds(delay_ms(random));
  return delays;
}

// `count` timers started with spread-out delays.
std::vector<std::unique_ptr<NoopTimer>> start_timers(Reactor& reactor, std::size_t count) {
  std::vector<std::unique_ptr<NoopTimer>> timers;
  for (const milliseconds delay : spread_delays(count)) {
    timers.push_back(std::make_unique<NoopTimer>());
    timers.back()->start(reactor, delay);
  }
  return timers;
}

void BM_TimerStartStop(benchmark::State& state) {
  Reactor reactor(std::make_unique<testing::MockPoller>());  // the steady clock, as in use
  const auto others = start_timers(reactor, static_cast<std::size_t>(state.range(0)));
  NoopTimer timer;
  for (auto _ : state) {
    timer.start(reactor, milliseconds(30'000));
    timer.stop();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerStartStop)->RangeMultiplier(10)->Range(1, 100'000);

// Restarting a pending timer, as an idle timeout is pushed back on every message.
void BM_TimerRestart(benchmark::State& state) {
  Reactor reactor(std::make_unique<testing::MockPoller>());
  const auto others = start_timers(reactor, static_cast<std::size_t>(state.range(0)));
  NoopTimer timer;
  timer.start(reactor, milliseconds(30'000));
  for (auto _ : state)
    timer.restart();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerRestart)->RangeMultiplier(10)->Range(1, 100'000);

// Firing: N repeating timers due on every tick of a manual clock.
void BM_TimerFire(benchmark::State& state) {
  testing::ManualClock clock;
  Reactor reactor(std::make_unique<testing::MockPoller>(), clock);
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<NoopTimer> timers(count);
  for (NoopTimer& timer : timers)
    timer.start(reactor, milliseconds(1), milliseconds(1));
  for (auto _ : state) {
    clock.advance(milliseconds(1));
    benchmark::DoNotOptimize(reactor.run_once(milliseconds(0)));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(count));
}
BENCHMARK(BM_TimerFire)->RangeMultiplier(10)->Range(1, 10'000);

// N owned timers armed with run_after(), then all cancelled through their handles.
void BM_RunAfterThenCancelAll(benchmark::State& state) {
  Reactor reactor(std::make_unique<testing::MockPoller>());
  const std::vector<milliseconds> delays = spread_delays(static_cast<std::size_t>(state.range(0)));
  std::vector<TimerHandle> handles;
  handles.reserve(delays.size());
  int fired = 0;
  for (auto _ : state) {
    for (const milliseconds delay : delays)
      handles.push_back(reactor.run_after(delay, [&fired] { ++fired; }));
    for (TimerHandle& handle : handles)
      handle.cancel();
    handles.clear();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RunAfterThenCancelAll)->Arg(100'000)->Unit(benchmark::kMillisecond);

// The same with N handler-owned timers, started and then all stopped.
void BM_TimerHandlerStartThenStopAll(benchmark::State& state) {
  Reactor reactor(std::make_unique<testing::MockPoller>());
  const std::vector<milliseconds> delays = spread_delays(static_cast<std::size_t>(state.range(0)));
  std::vector<NoopTimer> timers(delays.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < delays.size(); ++i)
      timers[i].start(reactor, delays[i]);
    for (NoopTimer& timer : timers)
      timer.stop();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TimerHandlerStartThenStopAll)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace reactor
