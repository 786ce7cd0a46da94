// The threads of the library: Reactor::is_in_loop_thread() and run_in_loop(), tasks that carry
// move-only state to another reactor, ReactorThread and ReactorThreadPool. Real epoll reactors on
// real threads, each wait bounded.
#include "reactor/threads/reactor_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "reactor/core/reactor.h"
#include "reactor/poller/poll_poller.h"
#include "reactor/threads/reactor_thread_pool.h"

namespace reactor {
namespace {

using std::chrono::seconds;

// Waits for `future` at most a few seconds, so that a lost task fails the test instead of hanging.
template <typename T>
T get_within_bound(std::future<T>& future) {
  if (future.wait_for(seconds(10)) != std::future_status::ready)
    throw std::runtime_error("the task never ran");
  return future.get();
}

TEST(LoopThreadTest, TheConstructingThreadIsTheLoopThreadUntilAnotherRunsTheLoop) {
  Reactor reactor;
  EXPECT_TRUE(reactor.is_in_loop_thread());

  std::thread other([&] {
    EXPECT_FALSE(reactor.is_in_loop_thread());
    reactor.run_once(std::chrono::milliseconds(0));
    EXPECT_TRUE(reactor.is_in_loop_thread());
  });
  other.join();
  EXPECT_FALSE(reactor.is_in_loop_thread());
}

TEST(LoopThreadTest, RunInLoopOnTheLoopThreadRunsTheTaskAtOnce) {
  Reactor reactor;
  bool ran = false;
  reactor.run_in_loop([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(LoopThreadTest, RunInLoopFromAnotherThreadRunsTheTaskOnceOnTheLoopThread) {
  ReactorThread loop;
  std::promise<std::thread::id> ran_on;
  auto ran = ran_on.get_future();
  int runs = 0;  // touched only on the loop thread
  loop.reactor().run_in_loop([&] {
    ++runs;
    ran_on.set_value(std::this_thread::get_id());
  });
  EXPECT_EQ(get_within_bound(ran), loop.thread_id());
  std::promise<int> counted;
  auto count = counted.get_future();
  loop.reactor().post([&] { counted.set_value(runs); });
  EXPECT_EQ(get_within_bound(count), 1);
}

TEST(LoopThreadTest, AUniquePtrMovedIntoATaskReachesAnotherReactor) {
  ReactorThread loop;
  auto payload = std::make_unique<int>(7);
  const int* address = payload.get();
  std::promise<std::unique_ptr<int>> received;
  auto result = received.get_future();
  loop.reactor().post([payload = std::move(payload), &received]() mutable {
    received.set_value(std::move(payload));
  });
  std::unique_ptr<int> back = get_within_bound(result);
  EXPECT_EQ(back.get(), address);
  EXPECT_EQ(*back, 7);
}

TEST(ReactorThreadTest, TheReactorRunsOnItsOwnThreadAndIsReadyAtOnce) {
  ReactorThread loop;
  EXPECT_NE(loop.thread_id(), std::this_thread::get_id());
  EXPECT_FALSE(loop.reactor().is_in_loop_thread());
  std::promise<bool> in_loop;
  auto answer = in_loop.get_future();
  loop.reactor().post([&] { in_loop.set_value(loop.reactor().is_in_loop_thread()); });
  EXPECT_TRUE(get_within_bound(answer));
}

TEST(ReactorThreadTest, ThePollerIsChosenByNameOrByFactory) {
  ReactorThread::Options by_name;
  by_name.poller = "poll";
  ReactorThread named(by_name);
  EXPECT_EQ(named.reactor().poller().name(), "poll");

  ReactorThread::Options by_factory;
  by_factory.make_poller = [] { return std::make_unique<PollPoller>(); };
  ReactorThread made(by_factory);
  EXPECT_EQ(made.reactor().poller().name(), "poll");
}

TEST(ReactorThreadTest, AnUnknownPollerNameThrowsFromTheConstructor) {
  ReactorThread::Options options;
  options.poller = "kqueue";
  EXPECT_THROW(ReactorThread{options}, std::invalid_argument);
}

TEST(ReactorThreadTest, AThrowingTaskGoesToOnFailureAndTheLoopRunsOn) {
  std::promise<std::string> failed;
  auto failure = failed.get_future();
  ReactorThread::Options options;
  options.on_failure = [&](std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      failed.set_value(e.what());
    }
  };
  ReactorThread loop(options);
  loop.reactor().post([] { throw std::runtime_error("boom"); });
  EXPECT_EQ(get_within_bound(failure), "boom");

  std::promise<void> after;
  auto ran = after.get_future();
  loop.reactor().post([&] { after.set_value(); });
  get_within_bound(ran);
}

TEST(ReactorThreadPoolTest, NextHandsOutTheReactorsInTurn) {
  ReactorThreadPool pool(3);
  ASSERT_EQ(pool.size(), 3u);
  const auto& reactors = pool.reactors();
  EXPECT_EQ(std::set<Reactor*>(reactors.begin(), reactors.end()).size(), 3u);
  for (int round = 0; round < 2; ++round)
    for (Reactor* reactor : reactors)
      EXPECT_EQ(&pool.next(), reactor);
}

TEST(ReactorThreadPoolTest, EveryReactorRunsOnAThreadOfItsOwn) {
  ReactorThreadPool pool(2);
  std::set<std::thread::id> threads;
  for (Reactor* reactor : pool.reactors()) {
    std::promise<std::thread::id> ran_on;
    auto id = ran_on.get_future();
    reactor->post([&] { ran_on.set_value(std::this_thread::get_id()); });
    threads.insert(get_within_bound(id));
  }
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(ReactorThreadPoolTest, ZeroThreadsIsRejected) {
  EXPECT_THROW(ReactorThreadPool{0}, std::invalid_argument);
}

}  // namespace
}  // namespace reactor
