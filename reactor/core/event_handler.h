// EventHandler: a watcher of one file descriptor on one Reactor, in the style of libev's ev::io.
// Subclass it and override the callbacks; start() it on a reactor, stop() it when done.
//
// Ownership: the handler does not own its fd and the reactor does not own the handler. Destroying
// an active handler stops it first, so `delete this` inside a callback is safe, and so is stopping
// or destroying any other handler: an event already fetched for a handler that was stopped earlier
// in the same batch is never delivered.
// Threads: start/stop/set_interest only on the reactor's thread; callbacks run there too.
#pragma once

#include "reactor/core/events.h"

namespace reactor {

class Reactor;

class EventHandler {
 public:
  EventHandler(const EventHandler&) = delete;
  EventHandler& operator=(const EventHandler&) = delete;
  virtual ~EventHandler();

  // Registers `fd` with `reactor` for `interest`. An active handler is stopped first.
  // Throws std::system_error if the poller refuses the fd; the handler is then inactive.
  void start(Reactor& reactor, int fd, Interest interest);
  // Changes the interest set; no system call when it is unchanged. Throws std::system_error if
  // the poller refuses; the old interest then stays. Does nothing on an inactive handler, whose
  // interest start() sets: owners update interest from paths that may run before start() or
  // after stop() (a Connection's send() before start()), and need not check active() first.
  void set_interest(Interest interest);
  void enable(Interest bits) { set_interest(interest_ | bits); }
  void disable(Interest bits) { set_interest(interest_ & ~bits); }
  // Deregisters; no further callback is made until the next start(). Safe anywhere, idempotent.
  void stop();

  bool active() const { return reactor_ != nullptr; }
  Reactor* reactor() const { return reactor_; }
  int fd() const { return fd_; }
  Interest interest() const { return interest_; }

 protected:
  EventHandler() = default;

  // Readable, or an error/hang-up, while kRead is in the interest set (the read call tells
  // which). Interest dropped by an earlier callback in the same batch is respected.
  virtual void on_readable() {}
  // Writable, or an error/hang-up, while kWrite is in the interest set (the write call tells
  // which).
  virtual void on_writable() {}
  // Error or hang-up while the interest set is empty. The default stops the handler, so a
  // level-triggered hang-up cannot spin the loop.
  virtual void on_error() { stop(); }

 private:
  friend class Reactor;

  Reactor* reactor_ = nullptr;
  int fd_ = -1;
  Interest interest_ = kNoInterest;
  // Index of this handler's event in the batch being dispatched; may be left over from an earlier
  // batch, so the reactor trusts it only if that slot names this handler.
  int batch_slot_ = -1;
  EventHandler* prev_ = nullptr;  // the reactor's intrusive list of active handlers
  EventHandler* next_ = nullptr;
};

}  // namespace reactor
