#include "reactor/core/reactor.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include "reactor/core/signal_state.h"
#include "reactor/core/syscalls.h"

namespace reactor {

// Wakes a blocked wait from other threads through an eventfd.
class Reactor::Waker final : public EventHandler {
 public:
  explicit Waker(Reactor& reactor) : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    try {
      start(reactor, fd_, kRead);
    } catch (...) {
      sys().close(fd_);
      throw;
    }
  }
  ~Waker() override {
    stop();
    sys().close(fd_);
  }

  void notify() {
    const std::uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: the loop will wake anyway.
    retry_on_eintr([&] { return sys().write(fd_, &one, sizeof one); });
  }

 private:
  void on_readable() override {
    std::uint64_t count;
    retry_on_eintr([&] { return sys().read(fd_, &count, sizeof count); });
  }

  const int fd_;
};

Reactor::Reactor(std::unique_ptr<Poller> poller, const Clock& clock)
    : poller_(std::move(poller)), clock_(clock), now_(clock.now()) {
  detail::ignore_sigpipe_once();
  batch_.reserve(256);
  waker_ = std::make_unique<Waker>(*this);
}

Reactor::~Reactor() {
  // Posted work and retired handlers go first, while everything they may touch still works.
  std::vector<Task> unrun;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    unrun.swap(posted_);
  }
  unrun.clear();
  delete_retired();
  // The waker deregisters its eventfd before closing it; left inactive below, it would not.
  waker_.reset();
  // Whatever is still active is left inactive; its owner may destroy it later at no risk.
  while (handlers_ != nullptr) {
    EventHandler* handler = handlers_;
    handlers_ = handler->next_;
    handler->reactor_ = nullptr;
    handler->prev_ = handler->next_ = nullptr;
    handler->batch_slot_ = -1;
  }
  active_handlers_ = 0;
}

void Reactor::run() {
  bind_to_this_thread();
  while (!stop_requested_.load(std::memory_order_acquire))
    iterate(kWaitForever);
  stop_requested_.store(false, std::memory_order_release);
}

int Reactor::run_once(std::chrono::milliseconds timeout) {
  bind_to_this_thread();
  return iterate(timeout);
}

void Reactor::bind_to_this_thread() {
  loop_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

int Reactor::iterate(std::chrono::milliseconds timeout) {
  // Steps with nothing to do are skipped, so an iteration that only has I/O reads the clock once
  // and takes no lock: the time before waiting matters only for a timer deadline, and post()
  // queues before it raises wake_pending_, so with the flag down nothing is queued yet (a post()
  // racing with this check wakes the next wait).
  if (timers_.size() != 0) now_ = clock_.now();
  int callbacks = 0;
  try {
    poller_->wait(wait_timeout_ms(timeout), batch_);
    now_ = clock_.now();
    dispatching_ = true;
    callbacks = dispatch_batch();
    if (timers_.size() != 0) callbacks += timers_.fire_due(now_);
    if (wake_pending_.load(std::memory_order_acquire)) callbacks += run_posted();
  } catch (...) {
    // A callback threw. The rest of the batch is dropped, so no event is delivered twice and no
    // stale entry can name a handler deleted since; due timers and posted tasks not yet run are
    // still queued (run_posted() put its own back), and retired handlers go as they would have.
    dispatching_ = false;
    batch_.clear();
    delete_retired();
    throw;
  }
  dispatching_ = false;
  delete_retired();
  return callbacks;
}

void Reactor::stop() {
  stop_requested_.store(true, std::memory_order_release);
  wake();
}

void Reactor::post(Task task) {
  if (!task) return;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(task));
  }
  wake();
}

void Reactor::run_in_loop(Task task) {
  if (!task) return;
  if (is_in_loop_thread())
    task();
  else
    post(std::move(task));
}

void Reactor::wake() {
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) waker_->notify();
}

void Reactor::destroy_later(std::unique_ptr<EventHandler> handler) {
  if (handler) graveyard_.push_back(std::move(handler));
}

void Reactor::delete_retired() {
  // A dying handler may retire others; they go in the next round.
  while (!graveyard_.empty()) {
    std::vector<std::unique_ptr<EventHandler>> dying;
    dying.swap(graveyard_);
  }
}

void Reactor::attach(EventHandler& handler) {
  handler.reactor_ = this;
  handler.batch_slot_ = -1;
  handler.prev_ = nullptr;
  handler.next_ = handlers_;
  if (handlers_ != nullptr) handlers_->prev_ = &handler;
  handlers_ = &handler;
  ++active_handlers_;
}

void Reactor::detach(EventHandler& handler) {
  poller_->remove(handler.fd_, &handler);
  // The slot is left behind after dispatch (clearing it would cost a store per event), so it
  // counts only while that slot of the current batch still names this handler.
  const auto slot = static_cast<std::size_t>(handler.batch_slot_);
  if (slot < batch_.size() && batch_[slot].handler == &handler) batch_[slot].handler = nullptr;
  handler.batch_slot_ = -1;
  if (handler.prev_ != nullptr) {
    handler.prev_->next_ = handler.next_;
  } else {
    handlers_ = handler.next_;
  }
  if (handler.next_ != nullptr) handler.next_->prev_ = handler.prev_;
  handler.prev_ = handler.next_ = nullptr;
  handler.reactor_ = nullptr;
  --active_handlers_;
}

int Reactor::wait_timeout_ms(std::chrono::milliseconds requested) const {
  if (stop_requested_.load(std::memory_order_acquire)) return 0;
  long long ms = requested.count() < 0 ? -1 : requested.count();
  if (timers_.size() != 0) {
    const auto until = *timers_.next_deadline() - now_;
    // Rounded up: waking a little late is harmless, waking early costs an empty iteration.
    long long timer_ms = std::chrono::ceil<std::chrono::milliseconds>(until).count();
    if (timer_ms < 0) timer_ms = 0;
    if (ms < 0 || timer_ms < ms) ms = timer_ms;
  }
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

int Reactor::dispatch_batch() {
  // Only wait() adds to the batch, never a callback, so its storage stays put during dispatch.
  Poller::Event* const begin = batch_.data();
  Poller::Event* const end = begin + batch_.size();
  int slot = 0;
  for (Poller::Event* event = begin; event != end; ++event) {
    event->handler->batch_slot_ = slot++;
  }
  int callbacks = 0;
  for (Poller::Event* event = begin; event != end; ++event) {
    if (event->handler == nullptr) continue;  // stopped or destroyed earlier in this batch
    callbacks += dispatch(*event, *event->handler);
  }
  batch_.clear();
  return callbacks;
}

// Interest and readiness share their bit values, so "asked for and ready" is a single AND.
static_assert((kReadable & kRead) == kReadable && (kWritable & kWrite) == kWritable);

int Reactor::dispatch(const Poller::Event& event, EventHandler& handler) {
  // The interest set is read afresh before each callback: an earlier callback in this batch may
  // have changed it, and a handler must not be called for what it no longer asks for.
  // The readiness is taken once: no callback changes it, and a read-only event then skips the
  // write test at once.
  const Readiness ready = event.readiness;
  if (ready & (kError | kHangup)) return dispatch_failure(event, handler);
  int callbacks = 0;
  if (ready & handler.interest_ & kRead) {
    handler.on_readable();
    ++callbacks;
    if (event.handler == nullptr) return callbacks;
  }
  if ((ready & kWrite) && (handler.interest_ & kWrite)) {
    handler.on_writable();
    ++callbacks;
  }
  return callbacks;
}

int Reactor::dispatch_failure(const Poller::Event& event, EventHandler& handler) {
  // An error or hang-up goes to the callbacks of the interests held (their read or write call
  // reports it), and to on_error only if no other callback was told of it.
  int callbacks = 0;
  if (handler.interest_ & kRead) {
    handler.on_readable();
    ++callbacks;
    if (event.handler == nullptr) return callbacks;
  }
  if (handler.interest_ & kWrite) {
    handler.on_writable();
    ++callbacks;
    if (event.handler == nullptr) return callbacks;
  }
  if (callbacks == 0) {
    handler.on_error();
    ++callbacks;
  }
  return callbacks;
}

int Reactor::run_posted() {
  // Cleared before taking the queue: a post() racing with us either lands in this batch or sees
  // the flag clear and wakes the next wait.
  wake_pending_.store(false, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    if (posted_.empty()) return 0;
    running_.swap(posted_);
  }
  std::size_t next = 0;
  try {
    for (; next < running_.size(); ++next)
      running_[next]();
  } catch (...) {
    requeue_unrun(next + 1);
    throw;
  }
  running_.clear();
  return static_cast<int>(next);
}

void Reactor::requeue_unrun(std::size_t done) {
  // The tasks after the one that threw go back ahead of those posted since, in their order, and
  // the loop is woken so that the next wait does not sleep on them.
  running_.erase(running_.begin(), running_.begin() + static_cast<std::ptrdiff_t>(done));
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    running_.insert(running_.end(), std::make_move_iterator(posted_.begin()),
                    std::make_move_iterator(posted_.end()));
    posted_.clear();
    posted_.swap(running_);
  }
  wake();
}

TimerHandle Reactor::run_after(Clock::duration delay, std::function<void()> fn) {
  return owned_timers().add(delay, Clock::duration::zero(), std::move(fn));
}

TimerHandle Reactor::run_every(Clock::duration interval, std::function<void()> fn) {
  if (interval <= Clock::duration::zero())
    throw std::invalid_argument("run_every: interval must be positive");
  return owned_timers().add(interval, interval, std::move(fn));
}

OwnedTimers& Reactor::owned_timers() {
  if (owned_timers_ == nullptr) owned_timers_ = std::make_shared<OwnedTimers>(*this);
  return *owned_timers_;
}

}  // namespace reactor
