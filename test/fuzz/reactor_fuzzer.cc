// reactor_fuzzer: a libFuzzer target that runs each input as a program of operations on one
// Reactor (MockPoller + ManualClock), its EventHandlers, timers, posted tasks and echo
// Connections over real AF_UNIX socket pairs, with faults injected through FakeSyscalls. It never
// blocks and never sleeps: readiness and time are injected, sockets are non-blocking. This file
// reads the operations; harness.h holds the world, the model and its checks; program.h decodes.
//
// Invariants (a violation aborts, so libFuzzer records a crash):
//  - no callback reaches a handler, connection or timer after it was stopped or destroyed (every
//    object has an id in a liveness model; a destroyed one would also trip ASan);
//  - each connection's on_data() sees exactly the unconsumed bytes the peer sent, in order; the
//    peer reads a prefix of what the connection echoed, and all of it once the run settles;
//    on_peer_shutdown() comes once, after every byte; on_close() once, then release();
//  - active_handlers() is 1 (the waker) + the live started handlers and open connections, each
//    registered in the poller with its own interest; active_timers() matches the live timers;
//  - timers fire in (deadline, start order), never early, never stopped, and none due is left;
//    posted tasks run once, in posting order, in the iteration the contract promises;
//  - run_once() waits no longer than its caller asked and the next timer allows, and not at all
//    once stop() is pending;
//  - once the input ends and the run settles without faults, nothing is left queued, every
//    close() has closed, every shutdown() has reached the peer as EOF and closed once the peer
//    shut down too, and an open connection consumed everything (a last byte flushes leftovers);
//  - every input ends with as many open fds as it started with; ASan's leak checker does memory.
//
// Build and run (clang only; the fuzz preset sets the compiler and the sanitizers):
//   cmake --preset fuzz && cmake --build --preset fuzz
//   ctest --preset fuzz    # the seed corpus once, then one minute of fuzzing
// Fuzz longer, keeping what it finds in a corpus outside the tree (seeds are read-only input):
//   mkdir -p /tmp/reactor-corpus
//   build/fuzz/test/fuzz/reactor_fuzzer -max_total_time=3600 -rss_limit_mb=2048 -timeout=10 \
//       /tmp/reactor-corpus test/fuzz/corpus
// On several cores: add -jobs=N -workers=N. Replay a crash: reactor_fuzzer crash-<sha1>.
// Minimise it: reactor_fuzzer -minimize_crash=1 -runs=100000 crash-<sha1>.
//
// Input format: a sequence of operations, one byte each (the byte modulo 32), followed by their
// argument bytes; reads past the end yield 0. Argument fields take a byte modulo 2, 3, 4, 8, 12,
// 16, 24 or 48, so the digit '0' + v (and ':' .. 'G' beyond 9) encodes the value v: seeds are
// readable text. A space (0) is a no-op.
//   A s c k t a  plain handler in slot s (eventfd, or a pipe if c&1; interest (c>>1)%4) with
//                callback action (k t a)         B s k t a   set handler s's action
//   C s e r f    echo connection in slot s: echo e%3 (all, half, none), on peer EOF r%4 (close,
//                shutdown, abort, nothing), flags f%16: 1 tiny limits, 2 destroy on release,
//                4 poller refuses start(), 8 keep open when idle
//   D s n        the peer of connection s sends n bytes (n%48: <16 bytes, else (n-15)*128) and
//                its fd is injected readable     T s   the peer reads; checks the echo prefix
//   G s / H s    the peer half-closes / closes   V s   destroy connection s
//   W s w        connection s: close/abort/shutdown (w%3)
//   X s w k t a  connection s's action (k t a) in on_data (w even) or on_close (w odd)
//   Y s m        idle-track connection s (the first Y makes the tracker: timeout m%8 * 5 ms)
//   E f b        inject readiness b%16 (1 R, 2 W, 4 error, 8 hang-up) on fd selector f: f%4 picks
//                handler slot, connection slot, raw fd, or a recently closed fd
//   I s b / J s b  inject on connection s / handler s          L f b  level-triggered (0 clears)
//   F s f n      script fault f%12 on connection s's fd (read EINTR/EAGAIN/ECONNRESET/short,
//                write EINTR/EAGAIN/EPIPE/ECONNRESET/short, any-fd write EAGAIN/read EINTR/
//                write short); n: repeat count and size
//   K s          destroy handler s              Z     the poller refuses the next add/modify
//   M s d i k t a  timer s: delay (d%48 - 4) quarter-ms, interval i%48 half-ms (0: one-shot),
//                action (k t a)                   O s k t a  set timer action
//   N s w        timer s: stop, restart, destroy, start now (w%4)
//   P k t a      post a task doing (k t a)       Q d   advance the clock d%48 quarter-ms
//                                                      (from 40: d-39 seconds)
//   R w          run_once (w%3: forever, 0 ms, 5 ms)   '\\' ']' '^' '_'  run_once(0)
//   S            stop()                          U     post stop, then run()
//   [            destroy the reactor first at teardown (toggles)
// An action (k t a) is k%24: none, stop/destroy/restart/toggle-write/spawn handler t, handler t
// adopts handler t+1's fd, start/stop/restart/destroy timer t, close/abort/shutdown/destroy
// connection t, stop, wake, refuse next registration, post a task doing (a%24 t a).
// At the end of each input the run settles without faults (every open connection flushes and
// echoes everything), then everything is destroyed and counted.

#include <dirent.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "test/fuzz/harness.h"
#include "test/fuzz/program.h"

namespace reactor::fuzz {
namespace {

using std::chrono::milliseconds;

ConnectionConfig read_connection_config(ByteProgram& program) {
  ConnectionConfig config;
  config.echo = static_cast<Echo>(program.field(3));
  config.on_peer_eof = static_cast<PeerEofReply>(program.field(4));
  const unsigned flags = program.field(16);
  config.tiny_limits = (flags & 1) != 0;
  config.destroy_on_release = (flags & 2) != 0;
  config.refuse_start = (flags & 4) != 0;
  config.keep_when_idle = (flags & 8) != 0;
  return config;
}

// Reads one operation and its arguments, and carries it out. Arguments are read into locals
// first: the order in which function arguments are evaluated is unspecified.
void execute_one(ByteProgram& program, Harness& harness) {
  switch (program.field(32)) {
    case 0:  // ' ', '@', '`': nothing
      return;
    case 1: {  // A
      const std::size_t slot = program.slot();
      const unsigned config = program.byte();
      return harness.create_handler(slot, config, read_action(program));
    }
    case 2: {  // B
      const std::size_t slot = program.slot();
      return harness.set_handler_action(slot, read_action(program));
    }
    case 3: {  // C
      const std::size_t slot = program.slot();
      return harness.create_connection(slot, read_connection_config(program));
    }
    case 4: {  // D
      const std::size_t slot = program.slot();
      return harness.peer_send(slot, chunk_length(program.byte()));
    }
    case 5: {  // E
      const std::uint8_t selector = program.byte();
      return harness.inject(selector, readiness_from(program.byte()));
    }
    case 6: {  // F
      const std::size_t slot = program.slot();
      const unsigned fault = program.field(12);
      return harness.script_fault(slot, fault, program.byte());
    }
    case 7:  // G
      return harness.peer_half_close(program.slot());
    case 8:  // H
      return harness.peer_close(program.slot());
    case 9: {  // I
      const std::size_t slot = program.slot();
      return harness.inject_connection(slot, readiness_from(program.byte()));
    }
    case 10: {  // J
      const std::size_t slot = program.slot();
      return harness.inject_handler(slot, readiness_from(program.byte()));
    }
    case 11:  // K
      return harness.destroy_handler(program.slot());
    case 12: {  // L
      const std::uint8_t selector = program.byte();
      return harness.set_level(selector, readiness_from(program.byte()));
    }
    case 13: {  // M
      const std::size_t slot = program.slot();
      const Clock::duration delay = timer_delay(program.byte());
      const Clock::duration interval = timer_interval(program.byte());
      return harness.create_timer(slot, delay, interval, read_action(program));
    }
    case 14: {  // N
      const std::size_t slot = program.slot();
      return harness.call_timer(slot, static_cast<TimerCall>(program.field(4)));
    }
    case 15: {  // O
      const std::size_t slot = program.slot();
      return harness.set_timer_action(slot, read_action(program));
    }
    case 16:  // P
      return harness.post_task(read_action(program));
    case 17:  // Q
      return harness.advance_clock(clock_step(program.byte()));
    case 18: {  // R
      static constexpr milliseconds kTimeouts[] = {Reactor::kWaitForever, milliseconds(0),
                                                   milliseconds(5)};
      return harness.run_once(kTimeouts[program.field(3)]);
    }
    case 19:  // S
      return harness.stop_reactor();
    case 20:  // T
      return harness.peer_read(program.slot());
    case 21:  // U
      return harness.run_until_stopped();
    case 22:  // V
      return harness.destroy_connection(program.slot());
    case 23: {  // W
      const std::size_t slot = program.slot();
      return harness.call_connection(slot, static_cast<ConnectionCall>(program.field(3)));
    }
    case 24: {  // X
      const std::size_t slot = program.slot();
      const bool on_close = program.field(2) == 1;
      return harness.set_connection_action(slot, on_close, read_action(program));
    }
    case 25: {  // Y
      const std::size_t slot = program.slot();
      return harness.idle_track(slot, program.field(8));
    }
    case 26:  // Z
      return harness.refuse_next_registration();
    case 27:  // [
      return harness.toggle_teardown_order();
    default:  // 28 .. 31: '\\', ']', '^', '_'
      return harness.run_once(milliseconds(0));
  }
}

std::size_t open_fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  FUZZ_CHECK(dir != nullptr);
  std::size_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace
}  // namespace reactor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reactor::fuzz;
  const std::size_t fds_before = open_fd_count();
  {
    ByteProgram program(data, size);
    Harness harness;
    while (!program.done()) {
      execute_one(program, harness);
      harness.check_invariants();
    }
    harness.finish();
  }
  FUZZ_CHECK(open_fd_count() == fds_before);  // the opendir() fd is counted both times
  return 0;
}
