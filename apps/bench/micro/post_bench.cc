// Throughput of Reactor::post(): from the loop thread in batches, and from another thread to a
// loop running on its own thread.
#include <benchmark/benchmark.h>

#include <chrono>
#include <future>
#include <thread>

#include "reactor/core/reactor.h"

namespace reactor {
namespace {

// Posts `range(0)` tasks, then runs one iteration that executes them all.
void BM_PostBatchOnLoopThread(benchmark::State& state) {
  const auto batch = state.range(0);
  Reactor reactor;
  long ran = 0;
  for (auto _ : state) {
    for (long i = 0; i < batch; ++i)
      reactor.post([&ran] { ++ran; });
    reactor.run_once(std::chrono::milliseconds(0));
  }
  benchmark::DoNotOptimize(ran);
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_PostBatchOnLoopThread)->RangeMultiplier(10)->Range(1, 10'000);

// One task per iteration posted to a loop on another thread; the time includes draining them.
void BM_PostFromAnotherThread(benchmark::State& state) {
  Reactor reactor;
  std::thread loop([&reactor] { reactor.run(); });
  long ran = 0;  // touched only on the loop thread
  for (auto _ : state)
    reactor.post([&ran] { ++ran; });
  std::promise<long> drained;
  reactor.post([&] {
    drained.set_value(ran);
    reactor.stop();
  });
  const long total = drained.get_future().get();
  loop.join();
  if (total != static_cast<long>(state.iterations())) state.SkipWithError("tasks were lost");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PostFromAnotherThread)->UseRealTime();

}  // namespace
}  // namespace reactor
