// Connection: an EventHandler for one connected TCP stream, with output queueing, backpressure,
// pause/resume of reading, half-close, graceful (lingering) close() and immediate abort().
// Subclass it and override on_data(); on_high_water() and on_drained() let a producer that is not
// driven by input bound its output, and on_close() says why the connection ended. It manages its
// own registration, so EventHandler's controls (stop(), set_interest(), enable(), disable(),
// start(reactor, fd, interest)) are private: they would bypass its states.
//
// Memory: incoming bytes are read into one buffer per thread and handed to on_data() in place; a
// connection keeps storage only for input its on_data() left unconsumed and output the kernel
// has not taken yet, and frees it when it empties, so an idle connection holds no buffer memory.
// Ownership: owns its socket, and deregisters it from the reactor before closing it on every path
// (close, abort, destruction). Whoever owns the Connection (a TcpServer, or the user) is told
// through ConnectionOwner::release() once its socket is closed, and must not delete it inside a
// callback (use Reactor::destroy_later). Any member may be called from inside its callbacks; a
// read error, reset or hang-up aborts the connection quietly (on_close(reason), no exception),
// and so does output that cannot be queued: send() never throws.
// Threads: as EventHandler, everything on the reactor's thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "reactor/core/clock.h"
#include "reactor/core/event_handler.h"
#include "reactor/net/byte_buffer.h"
#include "reactor/net/close_reason.h"
#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"

namespace reactor {

class Connection;
class IdleTracker;

// Told when a connection it owns has closed, so that it can release it.
class ConnectionOwner {
 public:
  // Called once the connection's socket is closed, right after its on_close(reason) and before
  // release(): an owner that counts or records why its connections end needs no help from the
  // subclass. Default: nothing.
  virtual void closed(Connection& connection, CloseReason reason) {
    static_cast<void>(connection);
    static_cast<void>(reason);
  }
  virtual void release(Connection& connection) = 0;

 protected:
  ~ConnectionOwner() = default;
};

class Connection : public EventHandler {
 public:
  struct Limits {
    // Queued output above which reading pauses (and on_high_water() is called).
    std::size_t high_water_mark = 1 << 20;
    std::size_t low_water_mark = 256 << 10;  // queued output at or below which reading resumes
    // False: crossing the high-water mark only calls on_high_water(), and reading goes on. For a
    // connection whose output is driven by another connection's input (a relay): it must keep
    // reading its own peer, or two relays, each waiting for the other to read, deadlock; the
    // callback pauses the connection that produces the output instead.
    bool pause_at_high_water = true;
    std::size_t max_input = 1 << 20;  // unconsumed input beyond which the connection is aborted
    // How long close() waits for the peer's EOF after the output is flushed and the write side
    // shut, reading and discarding its input meanwhile; then the socket is closed anyway. Zero:
    // close at once (unread input then makes the kernel reset the connection).
    std::chrono::milliseconds linger_timeout{2000};
    // How long close() and shutdown() wait for queued output to be flushed, counted from the
    // call; then the connection is aborted (CloseKind::kFlushTimeout). Zero: no bound (an idle
    // timeout still ends a close whose peer reads nothing).
    std::chrono::milliseconds flush_timeout{0};
  };

  // Two constructors rather than a default argument: a nested struct's member initializers cannot
  // be used for a default argument inside the enclosing class.
  explicit Connection(Socket socket) : Connection(std::move(socket), Limits{}) {}
  Connection(Socket socket, const Limits& limits);
  // Destroying a connection that is still open resets it (queued output is discarded) and makes
  // no callback: on_close() is not called, since the subclass part is already gone by then.
  ~Connection() override;

  // Registers for reading. Throws std::system_error if the poller refuses the socket.
  void start(Reactor& reactor);

  // Writes straight to the socket when nothing is queued and queues only what the kernel did not
  // take. Ignored after close(), shutdown() or abort(). A write error (reset, broken pipe) aborts
  // the connection before send() returns, and so does output that cannot be queued (no memory,
  // or a queue past 4 GiB): the stream would have a hole, so it cannot go on. send() never throws;
  // the caller learns of the abort from closed() and on_close().
  void send(std::string_view bytes);
  // Half-close: once queued output is flushed, shuts down the write side. Reading goes on; if the
  // peer has shut down its side too, the connection then closes.
  void shutdown();
  // Graceful close. From the caller's view the connection is closing at once: on_data(),
  // on_peer_shutdown() and on_idle() are not called again, and send(), shutdown() and close() are
  // ignored. It flushes the queued output, shuts down the write side (the peer reads EOF after the
  // whole reply) and then lingers: it keeps reading and discarding input until the peer's EOF or
  // Limits::linger_timeout, and closes the socket. Input is read and discarded while the output
  // flushes too. Closing with unread input would make the kernel reset the connection, which
  // drops the reply still queued in the kernel; reading meanwhile also keeps a peer that is
  // blocked in its own send from deadlocking with us. If the peer has already shut down its side
  // (EOF read), nothing more can arrive: the socket closes as soon as the output is flushed
  // (before returning, if nothing is queued), with no linger. An idle timeout while closing ends
  // the close: at once if the output is flushed, by abort() if not; so does Limits::flush_timeout
  // while the output is still flushing. close() overrides pause_reading(): the input is discarded.
  // on_close() and ConnectionOwner::release() come when the socket is really closed, so an owner
  // keeps (and a TcpServer counts) a closing connection until then.
  void close();
  // Immediate close, also of a closing connection: queued output is discarded and the peer gets a
  // reset. on_close() runs before it returns, with `reason` (a relay may pass on the other side's).
  void abort() { abort(CloseReason{CloseKind::kAborted, 0}); }
  void abort(CloseReason reason);

  // Stops reading until resume_reading(), whatever the output does: unread input waits in the
  // kernel, whose flow control then slows the peer. Backpressure applies on top of it (unless
  // Limits::pause_at_high_water is off): while queued output is above the high-water mark the
  // connection does not read, paused or not, so resume_reading() of such a connection reads again
  // only once the output drains to the low-water mark. A paused connection still notices a reset
  // (the poller reports errors with no interest). It does not learn of the peer's EOF, which waits
  // behind the unread input, until it resumes; a hang-up of both directions parks it until then.
  // Ignored once closing or closed.
  void pause_reading();
  void resume_reading();
  // Not reading: paused by the user, or held by backpressure.
  bool reading_paused() const { return paused_by_user_ || held_by_backpressure(); }
  bool paused_by_user() const { return paused_by_user_; }
  // Queued output went above the high-water mark and has not yet drained to the low-water mark.
  bool over_high_water() const { return over_high_water_; }

  std::size_t queued_bytes() const { return output_.size(); }
  // Bytes of buffer storage held for unconsumed input and queued output (0 when idle).
  std::size_t buffer_capacity() const { return input_.capacity() + output_.capacity(); }
  // The socket is closed (not merely closing: see close()).
  bool closed() const { return state_ == State::kClosed; }
  // close() or abort() was called, or the connection ended otherwise: on_data() is not called
  // again and send() is ignored. A subclass that handles several messages from one on_data()
  // stops at the first that closes.
  bool closing() const { return state_ >= State::kClosing; }
  const Socket& socket() const { return socket_; }
  // The addresses of the two ends, asked of the kernel on each call (getpeername, getsockname),
  // so a connection stores none. std::nullopt once closed, or if the kernel cannot tell (a peer
  // that has reset may have no name any more).
  std::optional<SocketAddress> peer_address() const { return SocketAddress::peer_of(fd_or_none()); }
  std::optional<SocketAddress> local_address() const {
    return SocketAddress::local_of(fd_or_none());
  }

  // Owner bookkeeping: `tag` is the owner's own (e.g. a slot index); the connection only keeps it.
  void set_owner(ConnectionOwner* owner, std::size_t tag);
  std::size_t owner_tag() const { return owner_tag_; }

  // What stays public of EventHandler only reports: active(), reactor(), fd(), interest() let an
  // owner or a test see where and how the connection is registered without changing it.
  using EventHandler::active;
  using EventHandler::fd;
  using EventHandler::interest;
  using EventHandler::reactor;

 protected:
  // Bytes arrived. Returns how many were consumed; the rest are kept and presented again, with
  // newer bytes appended, on the next call. `bytes` is valid only during the call.
  virtual std::size_t on_data(std::string_view bytes) = 0;
  // The peer shut down its side (EOF). The default closes once queued output is flushed.
  virtual void on_peer_shutdown() { close(); }
  // No activity for the idle timeout of the IdleTracker watching this connection (not called
  // once closing). Default: abort with CloseKind::kIdleTimeout.
  virtual void on_idle() { abort(CloseReason{CloseKind::kIdleTimeout, 0}); }
  // Queued output went above Limits::high_water_mark (`queued` bytes): called once per crossing,
  // and again only after the output has drained to the low-water mark. Reading is paused by then,
  // unless Limits::pause_at_high_water is off.
  // A producer not driven by input (a timer, a broadcast, a relay) stops here and restarts in
  // on_drained(), which bounds its output too.
  virtual void on_high_water(std::size_t queued) { static_cast<void>(queued); }
  // Output that had to be queued has all been taken by the kernel (write complete). Not called
  // for a send() the kernel took whole: queued_bytes() is then 0 when send() returns. Not called
  // once shutting down or closing.
  virtual void on_drained() {}
  // Closed (why: `reason`); the socket is gone. Called once.
  virtual void on_close(CloseReason reason) { static_cast<void>(reason); }

 private:
  friend class IdleTracker;
  class CloseTimer;
  // Ordered: every state from kClosing on reads only to discard.
  enum class State : unsigned char {
    kOpen,
    kShuttingDown,  // shutdown(): the write side is shut once output is flushed (at once if none)
    kClosing,       // close(): output is flushing; input is read and discarded
    kLingering,     // close(), output flushed, write side shut: waits for EOF or the linger timeout
    kClosed,
  };
  // Limits as kept: in 32 bits, which holds every meaningful value (a ByteBuffer holds less than
  // 4 GiB), so that the linger timeout fits in the connection's memory budget.
  struct KeptLimits {
    explicit KeptLimits(const Limits& limits);
    std::uint32_t high_water_mark;
    std::uint32_t low_water_mark;
    std::uint32_t max_input;
    std::uint32_t linger_timeout_ms;
    std::uint32_t flush_timeout_ms;
  };

  using EventHandler::disable;
  using EventHandler::enable;
  using EventHandler::set_interest;
  using EventHandler::start;
  using EventHandler::stop;

  void on_readable() override;
  void on_writable() override;
  void on_error() override;

  // Hands freshly read bytes to on_data() and keeps what it left.
  // Inline: it is the per-message path, and on_readable() in connection.cc its only caller.
  inline void deliver(std::string_view fresh);
  // The rare paths, out of line so that the per-message path stays small ([[gnu::cold]]): input
  // left over from earlier reads, and keeping `unconsumed` bytes.
  [[gnu::cold]] void deliver_after_kept(std::string_view fresh);
  [[gnu::cold]] void keep(std::string_view unconsumed);
  // After a write of `bytes` straight to the socket took only `written` (-1: failed, see errno).
  [[gnu::cold]] void send_rest(std::string_view bytes, ssize_t written);
  // Output the kernel took counts as activity for the idle tracker.
  [[gnu::cold]] void output_activity();
  // Queues what the kernel did not take and asks for write readiness.
  [[gnu::cold]] void queue(std::string_view bytes);
  void peer_shut_down();
  // Queued output is flushed: carries out a pending shutdown() or close().
  void output_flushed();
  // close() with the output flushed: closes at once, or shuts the write side and lingers.
  void finish_close();
  // shutdown() or close() with output queued: starts Limits::flush_timeout, if it is on.
  void bound_flush();
  // Allocates the close timer unless there is one; false if it cannot (no memory, not started).
  bool make_close_timer();
  // Starts the close timer for `timeout_ms`, allocating it if need be; false if it cannot be.
  bool start_close_timer(std::uint32_t timeout_ms);
  // The close timer fired: the flush took too long, or the linger is over.
  void close_timer_expired();
  // The IdleTracker found no activity for its timeout.
  void idle_timeout();
  // Why a graceful close ended: who closed first.
  CloseReason graceful_reason() const;
  // Deregisters, then closes the socket; calls on_close(reason) and tells the owner.
  void close_now(CloseReason reason);
  int fd_or_none() const { return closed() ? -1 : socket_.fd(); }
  bool wants_input() const;
  bool held_by_backpressure() const { return over_high_water_ && pause_at_high_water_; }
  Interest wanted_interest() const;
  // Recomputes backpressure and sets the interest the state calls for (no call if unchanged).
  void update_interest();

  Socket socket_;
  KeptLimits limits_;  // next to the socket's 4 bytes, so neither is padded
  ByteBuffer input_;
  ByteBuffer output_;
  // Only while closing (flush timeout, linger) or parked, so that an open connection pays a null
  // pointer for it.
  std::unique_ptr<CloseTimer> close_timer_;
  ConnectionOwner* owner_ = nullptr;
  std::size_t owner_tag_ = 0;
  // IdleTracker's intrusive list, ordered by last activity.
  IdleTracker* idle_tracker_ = nullptr;
  Connection* idle_prev_ = nullptr;
  Connection* idle_next_ = nullptr;
  Clock::time_point last_activity_{};
  State state_ = State::kOpen;
  bool over_high_water_ = false;  // backpressure: see over_high_water()
  bool paused_by_user_ = false;
  bool peer_shut_down_ = false;      // EOF read: no more input will come
  bool peer_closed_first_ = false;   // the EOF came while open: see CloseKind::kPeerClosed
  bool output_is_activity_ = false;  // set by an IdleTracker that counts output
  bool parked_ = false;       // both directions hung up while paused: deregistered until resumed
  bool pause_at_high_water_;  // Limits::pause_at_high_water
};

}  // namespace reactor
