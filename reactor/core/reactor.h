// Reactor: one event loop. It waits on its Poller, dispatches readiness to EventHandlers, fires
// TimerHandlers, and runs work posted from any thread.
//
// Ownership: the reactor owns its Poller, its posted work and the timers made by run_after() and
// run_every(); it does not own handlers or TimerHandlers (except handlers handed to
// destroy_later()). Destroying a reactor is defined at any time: posted work and owned timers are
// destroyed unrun, handlers passed to destroy_later() are deleted, and every handler and timer
// still active is left inactive, so its own destructor later has nothing to undo.
// Threads: one thread, the loop thread, runs the loop and does everything else; only post(),
// run_in_loop(), is_in_loop_thread(), stop() and wake() may be called from other threads. Nothing
// aborts if that is broken; it is simply undefined. The loop thread is the one that constructed
// the reactor until run() or run_once() is called, then the last one that called them.
//
// Exceptions: one thrown by a handler, timer or posted task leaves run_once() and run()
// unchanged, and the reactor stays usable, so a caller may catch it and run again. The rest of
// the current batch of ready events is dropped: nothing is delivered twice, and a level-triggered
// poller reports what is still ready at the next wait. Due timers not yet fired fire in the next
// iteration; the timer that threw is not fired again for that deadline (a repeating one stays
// scheduled for its next). Posted tasks not yet run run once, later, ahead of newer ones; the task
// that threw is not run again. Handlers given to destroy_later() are deleted before the exception
// leaves. A pending stop() stays pending: the next run() returns at once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "reactor/core/clock.h"
#include "reactor/core/event_handler.h"
#include "reactor/core/owned_timers.h"
#include "reactor/core/poller.h"
#include "reactor/core/task.h"
#include "reactor/core/timer_queue.h"

namespace reactor {

class Reactor {
 public:
  using Task = ::reactor::Task;
  static constexpr std::chrono::milliseconds kWaitForever{-1};

  // An epoll reactor on the steady clock. Defined in reactor/poller/ with the pollers it needs,
  // so that core itself depends on no concrete poller.
  Reactor();
  // `clock` must outlive the reactor; tests pass a ManualClock and a MockPoller.
  explicit Reactor(std::unique_ptr<Poller> poller, const Clock& clock = SteadyClock::instance());
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Loops until stop(). A stop() that came before run() makes it return at once; either way the
  // request is consumed, so a later run() loops again.
  void run();
  // One iteration: waits up to `timeout` (less if a timer is due sooner, none if work is posted),
  // dispatches ready handlers, fires due timers, runs posted work. Returns the callbacks made.
  // An exception from a callback leaves run() and run_once() with the loop consistent (see
  // "Exceptions" above).
  int run_once(std::chrono::milliseconds timeout = kWaitForever);
  // Makes run() return after the current iteration. Any thread, any time.
  void stop();
  // Runs `task` on the loop thread, never inside post(), in posting order: at the end of the
  // current iteration, or of the next one if posted work is already running or the loop is not
  // in an iteration. Any thread. A task must not capture a raw pointer to anything that may die
  // first; use a handler-owned TimerHandler for deferred work that belongs to a handler. An empty
  // task is ignored.
  void post(Task task);
  // On the loop thread runs `task` now, ahead of work already posted; on any other thread posts
  // it. Any thread.
  void run_in_loop(Task task);
  // True on the loop thread (see "Threads" above). Any thread.
  bool is_in_loop_thread() const {
    return loop_thread_.load(std::memory_order_relaxed) == std::this_thread::get_id();
  }
  // Interrupts a blocking wait. Any thread.
  void wake();
  // Deletes `handler` after the current iteration, once no callback can be on the stack; used by
  // owners of handlers that close themselves inside a callback.
  void destroy_later(std::unique_ptr<EventHandler> handler);

  // Timers the reactor owns, for work that belongs to no handler (owned_timers.h): `fn` runs on
  // the loop thread once after `delay` (negative counts as zero), or every `interval` until
  // cancelled (a non-positive interval throws std::invalid_argument). The handle cancels; it
  // stays safe to use after the timer fired and after the reactor died. A timeout that belongs
  // to a handler is better a TimerHandler member, which stops when its owner dies.
  TimerHandle run_after(Clock::duration delay, std::function<void()> fn);
  TimerHandle run_every(Clock::duration interval, std::function<void()> fn);

  // True while run_once() is making callbacks (handlers, timers, posted work). An owner about to
  // destroy handlers must then assume that one of them is on the stack, and use destroy_later().
  bool dispatching() const { return dispatching_; }

  // The loop's time: read once per iteration, so it is cheap to ask for.
  Clock::time_point now() const { return now_; }
  const Clock& clock() const { return clock_; }
  Poller& poller() { return *poller_; }
  std::size_t active_handlers() const { return active_handlers_; }
  std::size_t active_timers() const { return timers_.size(); }

 private:
  friend class EventHandler;
  friend class TimerHandler;
  class Waker;

  void attach(EventHandler& handler);
  void detach(EventHandler& handler);
  void bind_to_this_thread();
  int iterate(std::chrono::milliseconds timeout);
  int wait_timeout_ms(std::chrono::milliseconds requested) const;
  int dispatch_batch();
  int dispatch(const Poller::Event& event, EventHandler& handler);
  // An event with an error or hang-up: out of line, the per-event path stays short.
  [[gnu::cold]] int dispatch_failure(const Poller::Event& event, EventHandler& handler);
  int run_posted();
  // After a posted task threw: drops the `done` tasks that ran or threw, queues the rest again.
  void requeue_unrun(std::size_t done);
  void delete_retired();
  OwnedTimers& owned_timers();  // made on first use

  std::unique_ptr<Poller> poller_;
  const Clock& clock_;
  Clock::time_point now_;
  TimerQueue timers_;
  std::vector<Poller::Event> batch_;
  EventHandler* handlers_ = nullptr;  // intrusive list of active handlers
  std::size_t active_handlers_ = 0;
  std::vector<std::unique_ptr<EventHandler>> graveyard_;
  bool dispatching_ = false;

  std::atomic<std::thread::id> loop_thread_{std::this_thread::get_id()};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> wake_pending_{false};
  std::mutex posted_mutex_;
  std::vector<Task> posted_;
  std::vector<Task> running_;
  std::unique_ptr<Waker> waker_;
  // Last, so destroyed first: owned timers' functions are destroyed while the rest still works.
  std::shared_ptr<OwnedTimers> owned_timers_;
};

}  // namespace reactor
