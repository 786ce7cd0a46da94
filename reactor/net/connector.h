// Connector: opens one outgoing stream connection to a SocketAddress (IPv4, IPv6, or a Unix-domain
// path or abstract name) without blocking the loop, as muduo's Connector does. A non-blocking
// connect() completes through write readiness and SO_ERROR; an optional timeout bounds each
// attempt; failed attempts are optionally retried after an exponential backoff with jitter. A
// connection to itself (same local and remote address, which TCP allows on loopback when nobody
// listens on the port) is closed and counts as a refused attempt. The result callback gets the
// connected Socket (non-blocking, close-on-exec, TCP_NODELAY on IP unless turned off) or the error.
// It manages its own registration, so the EventHandler calls that would bypass it (set_interest,
// enable, disable, start on another fd, stop) are private; start() and cancel() are its control.
//
// Ownership: owns the socket of the attempt in flight, and deregisters it before closing it
// (cancel, failure, destruction); the connected socket goes to the callback. The callback is
// never called inside start() or cancel(), only from the loop, and the Connector touches nothing
// of itself after the callback returns: the callback may start() it again or destroy it.
// Threads: as EventHandler, everything on the reactor's thread.
#pragma once

#include <chrono>
#include <functional>
#include <system_error>

#include "reactor/core/event_handler.h"
#include "reactor/core/timer.h"
#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"

namespace reactor {

class Connector : public EventHandler {
 public:
  struct Options {
    // Bounds each attempt; past it the attempt fails with ETIMEDOUT. Zero: only the kernel's own
    // limit (SYN retries, about two minutes for TCP).
    std::chrono::milliseconds connect_timeout{0};
    // Attempts in all, the first included: 1 reports the first failure, 0 retries for ever.
    // Only transient failures are retried (refused, unreachable, timed out, reset, out of ports,
    // fds or memory, a Unix listener's full backlog or missing socket file); others, such as
    // EACCES or EAFNOSUPPORT, are reported at once.
    int max_attempts = 1;
    // The n-th retry waits min(initial_backoff * 2^(n-1), max_backoff), of which a random part
    // up to half is taken off (jitter), so that clients refused together do not retry together.
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{30000};
    // The jitter source: returns a number in [0, 1] (clamped), 0 for the full delay, 1 for half.
    // Empty: a pseudo-random generator per thread. Tests pass a constant.
    std::function<double()> jitter;
    // TCP_NODELAY on a connected IPv4 or IPv6 socket, as TcpServer sets it on accepted ones.
    bool no_delay = true;
  };
  // `error` is empty and `socket` connected on success; on failure `socket` is invalid.
  using Callback = std::function<void(std::error_code error, Socket socket)>;

  enum class State {
    kIdle,        // not started, finished (the callback ran), or cancelled
    kScheduled,   // an attempt is due when the timer fires: the first at once, retries later
    kConnecting,  // an attempt is in flight, waiting for write readiness
  };

  // `reactor` must outlive the Connector.
  Connector(Reactor& reactor, const SocketAddress& address, Callback on_result,
            const Options& options);
  Connector(Reactor& reactor, const SocketAddress& address, Callback on_result)
      : Connector(reactor, address, std::move(on_result), Options{}) {}
  // Cancels: the attempt in flight is deregistered, then closed. No callback.
  ~Connector() override;

  // Starts connecting after `delay` (the first attempt at the next timer tick by default), with
  // a fresh count of attempts. An attempt in flight or a pending retry is cancelled first.
  void start(std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  // Stops connecting, a pending retry included; the callback is not called. Idempotent.
  void cancel();

  State state() const { return state_; }
  // Attempts made since the last start(), the one in flight included.
  int attempts() const { return attempts_; }
  const SocketAddress& address() const { return address_; }
  // The delay before retry number `retry` (1 for the first retry) with jitter `jitter` in
  // [0, 1]: what the backoff waits, exposed so that tests and users can check the schedule.
  std::chrono::milliseconds backoff(int retry, double jitter) const;

  // What only reports stays public: active(), reactor(), fd(), interest().
  using EventHandler::active;
  using EventHandler::fd;
  using EventHandler::interest;
  using EventHandler::reactor;

 private:
  using EventHandler::disable;
  using EventHandler::enable;
  using EventHandler::set_interest;
  using EventHandler::start;
  using EventHandler::stop;

  // Write readiness, or an error or hang-up, while an attempt is in flight.
  void on_writable() override;
  void on_error() override { on_writable(); }
  void attempt();
  // The attempt in flight completed without error: hands the socket over, or fails a
  // self-connect.
  void connected();
  // The attempt failed with `error`: retries later if it may, else reports.
  void failed(int error);
  // Deregisters and closes the attempt's socket, stops the timers.
  void abandon();
  // Ends with `error` or `socket`: back to kIdle, then the callback (the last thing done).
  void finish(std::error_code error, Socket socket);

  Reactor& loop_;
  SocketAddress address_;
  Callback on_result_;
  Options options_;
  Socket socket_;
  CallbackTimer attempt_timer_;  // the first attempt and each retry
  CallbackTimer timeout_timer_;  // the attempt in flight
  State state_ = State::kIdle;
  int attempts_ = 0;
};

}  // namespace reactor
