// LoopbackUpstream: a small TCP server on 127.0.0.1 with one scripted behaviour, for testing a
// proxy from the upstream's side: echo, a sink that never reads, an endless source, a half-closer,
// a resetter. Plain blocking sockets and a thread per connection, independent of the library.
// Also the two upstreams that are not there: a port where nobody listens (refused), and a listener
// whose backlog is full and that never accepts, so that a connect to it neither completes nor fails
// (the loopback stand-in for an unreachable host; SYNs to a full queue are dropped).
// Ownership: owns its listener, its connections and their threads; the destructor shuts every
// socket down (which ends any blocked call) and joins the threads. Threads: the accessors may be
// called from any thread; the behaviour runs on the helper's own threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reactor::testing {

class LoopbackUpstream {
 public:
  enum class Behaviour {
    kEcho,               // sends back what it reads, until EOF; then shuts down its side
    kSink,               // never reads; holds the connection open
    kSource,             // writes a pattern (make-able by source_bytes()) until the peer goes
    kReplyAfterEof,      // reads until EOF, then sends everything read back and closes
    kGreetAndHalfClose,  // sends greeting(), shuts down its side, then reads until EOF
    kResetOnData,        // resets the connection when the first bytes arrive
    kSourceThenReset,    // writes until the kernel buffers are full, then resets
  };

  explicit LoopbackUpstream(Behaviour behaviour);
  ~LoopbackUpstream();
  LoopbackUpstream(const LoopbackUpstream&) = delete;
  LoopbackUpstream& operator=(const LoopbackUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:PORT"
  std::string address() const;
  std::size_t accepted() const { return accepted_.load(); }
  // Connections that have ended on this side (EOF read, reset, or the behaviour finished).
  std::size_t finished() const { return finished_.load(); }
  // Every byte read so far, over all connections, in the order read (tests use one connection).
  std::string received() const;
  // Connections on which the peer's EOF was read, and on which a read met a reset (kEcho).
  std::size_t eofs_read() const { return eofs_.load(); }
  std::size_t resets_read() const { return resets_.load(); }
  // Bytes written so far by kSource and kSourceThenReset, over all connections.
  std::size_t bytes_sent() const { return sent_.load(); }

  static std::string greeting() { return "hello from upstream\n"; }
  // The first `size` bytes a kSource connection sends.
  static std::string source_bytes(std::size_t size);

  // "127.0.0.1:PORT" of a port nobody listens on (bound, then closed: free for a while).
  static std::string refusing_address();

 private:
  void accept_loop();
  void serve(int fd);
  void note_received(const char* bytes, std::size_t size);

  Behaviour behaviour_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> finished_{0};
  std::atomic<std::size_t> eofs_{0};
  std::atomic<std::size_t> resets_{0};
  std::atomic<std::size_t> sent_{0};
  mutable std::mutex mutex_;
  std::string received_;
  std::vector<int> fds_;  // every connection's socket, closed by the destructor
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A listener that never accepts, with its backlog filled by connections of its own, so that a
// further connect hangs in SYN-SENT until the connector's timeout.
class BlackholeListener {
 public:
  BlackholeListener();
  ~BlackholeListener();
  BlackholeListener(const BlackholeListener&) = delete;
  BlackholeListener& operator=(const BlackholeListener&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"
  // A connect that does not complete within a short wait: the backlog is full.
  bool saturated() const { return saturated_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> fillers_;
  bool saturated_ = false;
};

}  // namespace reactor::testing
