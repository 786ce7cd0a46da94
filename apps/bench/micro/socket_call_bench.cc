// Kernel cost of the calls a connection makes per message: a ping-pong over a loopback TCP pair
// in one thread, with read()/write() against recv()/send(). The difference is why Connection uses
// recv() and send() (design.md, "the kernel seam"). Interleave the variants, or machine drift
// between them outweighs the difference: run with --benchmark_filter=Loopback
// --benchmark_repetitions=12 --benchmark_enable_random_interleaving=true, pinned (taskset -c 0).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "reactor/net/inet_address.h"
#include "reactor/net/socket.h"

namespace {

using reactor::Socket;

// The library's sockets are non-blocking; here each call should wait for its bytes instead.
Socket blocking(Socket socket) {
  const int flags = ::fcntl(socket.fd(), F_GETFL);
  if (flags < 0 || ::fcntl(socket.fd(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    throw std::runtime_error("fcntl O_NONBLOCK");
  }
  socket.set_no_delay(true);  // as a server sets it
  return socket;
}

// A connected loopback TCP pair, both ends blocking, with TCP_NODELAY.
struct LoopbackPair {
  LoopbackPair() {
    const Socket listener = reactor::listen_tcp(*reactor::InetAddress::parse("127.0.0.1", 0));
    client = blocking(reactor::connect_tcp(*reactor::InetAddress::local_of(listener.fd())));
    const int accepted = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (accepted < 0) throw std::runtime_error("accept4");
    server = blocking(Socket(accepted));
  }

  Socket client;
  Socket server;
};

struct FileCalls {
  static ssize_t out(int fd, const char* data, std::size_t size) { return ::write(fd, data, size); }
  static ssize_t in(int fd, char* data, std::size_t size) { return ::read(fd, data, size); }
};

struct SocketCalls {
  static ssize_t out(int fd, const char* data, std::size_t size) {
    return ::send(fd, data, size, MSG_NOSIGNAL);
  }
  static ssize_t in(int fd, char* data, std::size_t size) { return ::recv(fd, data, size, 0); }
};

// Sends `size` bytes from `from` and takes all of them at `to`.
template <typename Calls>
void transfer(int from, int to, std::vector<char>& buffer, std::size_t size) {
  if (Calls::out(from, buffer.data(), size) != static_cast<ssize_t>(size)) {
    throw std::runtime_error("short send");
  }
  for (std::size_t got = 0; got < size;) {
    const ssize_t n = Calls::in(to, buffer.data(), buffer.size());
    if (n <= 0) throw std::runtime_error("receive failed");
    got += static_cast<std::size_t>(n);
  }
}

// One iteration: a message there and back, four calls. Items are calls.
template <typename Calls>
void BM_LoopbackPingPong(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const LoopbackPair pair;
  std::vector<char> buffer(64 << 10, 'x');
  for (auto _ : state) {
    transfer<Calls>(pair.client.fd(), pair.server.fd(), buffer, size);
    transfer<Calls>(pair.server.fd(), pair.client.fd(), buffer, size);
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK_TEMPLATE(BM_LoopbackPingPong, FileCalls)->Arg(64)->Arg(4096);
BENCHMARK_TEMPLATE(BM_LoopbackPingPong, SocketCalls)->Arg(64)->Arg(4096);

}  // namespace
