// Reactor::post, stop and wake: ordering, when posted work runs, and cross-thread wake-ups
// (lesson 3). The cross-thread tests use a real epoll reactor, bounded by a watchdog timer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/core/timer.h"
#include "reactor/testing/fake_syscalls.h"
#include "test/unit/mock_reactor_test.h"
#include "test/unit/recording_handler.h"

namespace reactor::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using PostStopTest = MockReactorTest;

TEST_F(PostStopTest, StopBeforeRunMakesRunReturnAtOnceAndIsConsumed) {
  reactor_.stop();
  const auto waits = poller_.counters().waits;
  reactor_.run();
  EXPECT_EQ(poller_.counters().waits, waits) << "run() should not have waited at all";

  bool ran = false;
  reactor_.post([&] {
    ran = true;
    reactor_.stop();
  });
  reactor_.run();
  EXPECT_TRUE(ran) << "a consumed stop() must not stop the next run()";
}

TEST_F(PostStopTest, StopFromACallbackEndsRunAfterThatIteration) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  poller_.set_ready(kFd, kReadable);  // ready on every iteration
  bool posted_ran = false;
  handler.when_readable([&] {
    reactor_.stop();
    reactor_.post([&] { posted_ran = true; });
  });

  reactor_.run();
  EXPECT_EQ(handler.readable(), 1);
  EXPECT_TRUE(posted_ran) << "the iteration that stopped is finished first";
}

TEST_F(PostStopTest, PostedTasksRunInPostingOrderAndNeverInsidePost) {
  std::string order;
  reactor_.post([&] { order += 'a'; });
  reactor_.post([&] { order += 'b'; });
  reactor_.post([&] { order += 'c'; });
  EXPECT_EQ(order, "");

  EXPECT_EQ(run_once(), 3);
  EXPECT_EQ(order, "abc");
  EXPECT_EQ(run_once(), 0);
  EXPECT_EQ(order, "abc");
}

TEST_F(PostStopTest, TaskPostedByATaskRunsInTheNextIteration) {
  int inner_runs = 0;
  reactor_.post([&] { reactor_.post([&] { ++inner_runs; }); });

  run_once();
  EXPECT_EQ(inner_runs, 0);
  run_once();
  EXPECT_EQ(inner_runs, 1);
}

TEST_F(PostStopTest, TaskPostedByACallbackRunsAfterItInTheSameIteration) {
  RecordingHandler handler;
  handler.start(reactor_, kFd, kRead);
  std::string order;
  handler.when_readable([&] {
    reactor_.post([&] { order += "task"; });
    order += "callback,";
  });
  poller_.inject(kFd, kReadable);

  EXPECT_EQ(run_once(), 2);
  EXPECT_EQ(order, "callback,task");
}

// Stops `reactor` if a test has not finished after `limit`, and remembers that it had to, so
// that a lost wake-up fails the test instead of hanging it.
class Watchdog {
 public:
  Watchdog(Reactor& reactor, seconds limit)
      : timer_([this, &reactor] {
          fired_ = true;
          reactor.stop();
        }) {
    timer_.start(reactor, limit);
  }
  bool fired() const { return fired_.load(); }

 private:
  std::atomic<bool> fired_{false};
  CallbackTimer timer_;
};

TEST(PostStopEpollTest, PostFromTheLoopThreadDoesNotWaitForTheTimeout) {
  Reactor reactor;
  bool inner_ran = false;
  reactor.post([&] { reactor.post([&] { inner_ran = true; }); });
  const auto began = std::chrono::steady_clock::now();

  reactor.run_once(seconds(10));  // runs the outer task, which posts the inner one
  reactor.run_once(seconds(10));  // must wake at once for it

  EXPECT_TRUE(inner_ran);
  EXPECT_LT(std::chrono::steady_clock::now() - began, seconds(5));
}

TEST(PostStopEpollTest, TasksPostedFromManyThreadsRunExactlyOnceInPerThreadOrder) {
  constexpr int kThreads = 4;
  constexpr int kTasksPerThread = 2'000;
  Reactor reactor;
  Watchdog watchdog(reactor, seconds(10));
  std::vector<std::vector<int>> seen(kThreads);  // touched only on the loop thread
  int remaining = kThreads * kTasksPerThread;

  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kTasksPerThread; ++i) {
        reactor.post([&, t, i] {
          seen[static_cast<std::size_t>(t)].push_back(i);
          if (--remaining == 0) reactor.stop();
        });
      }
    });
  }
  reactor.run();
  for (std::thread& poster : posters)
    poster.join();

  EXPECT_FALSE(watchdog.fired()) << "some posted tasks never ran";
  std::vector<int> in_order(kTasksPerThread);
  for (int i = 0; i < kTasksPerThread; ++i)
    in_order[static_cast<std::size_t>(i)] = i;
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(seen[static_cast<std::size_t>(t)], in_order);
}

TEST(PostStopEpollTest, StopFromAnotherThreadWakesABlockedRun) {
  FakeSyscalls fake;
  std::promise<void> blocking;
  std::atomic<bool> announced{false};
  // The loop is past its stop check once it calls epoll_wait: only a wake-up can end that wait.
  fake.on_call(FakeSyscalls::Call::kEpollWait, [&](int) {
    if (!announced.exchange(true)) blocking.set_value();
  });
  ScopedSyscalls scoped(fake);
  Reactor reactor;
  Watchdog watchdog(reactor, seconds(10));

  std::thread loop([&] { reactor.run(); });
  blocking.get_future().wait();
  reactor.stop();
  loop.join();

  EXPECT_FALSE(watchdog.fired()) << "stop() from another thread did not wake the loop";
}

}  // namespace
}  // namespace reactor::testing
