// Kernel cost of the calls a connection makes per message: a ping-pong over a loopback TCP pair
// in one thread, with read()/write() against recv()/send(). The difference is why Connection uses
// recv() and send() (design.md, "the kernel seam"). Interleave the variants, or machine drift
// between them outweighs the difference: run with --benchmark_filter=Loopback
// --benchmark_repetitions=12 --benchmark_enable_random_interleaving=true, pinned (taskset -c 0).
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace {

// A connected loopback TCP pair, both ends blocking, with TCP_NODELAY as a server would set it.
class LoopbackPair {
 public:
  LoopbackPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    if (listener < 0 || ::bind(listener, generic, length) != 0 || ::listen(listener, 1) != 0 ||
        ::getsockname(listener, generic, &length) != 0) {
      throw std::runtime_error("loopback listener");
    }
    client_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client_ < 0 || ::connect(client_, generic, length) != 0) {
      throw std::runtime_error("loopback connect");
    }
    server_ = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ::close(listener);
    if (server_ < 0) throw std::runtime_error("loopback accept");
    const int on = 1;
    for (const int fd : {client_, server_}) {
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
  }
  ~LoopbackPair() {
    ::close(client_);
    ::close(server_);
  }
  LoopbackPair(const LoopbackPair&) = delete;
  LoopbackPair& operator=(const LoopbackPair&) = delete;

  int client() const { return client_; }
  int server() const { return server_; }

 private:
  int client_ = -1;
  int server_ = -1;
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
  LoopbackPair pair;
  std::vector<char> buffer(64 << 10, 'x');
  for (auto _ : state) {
    transfer<Calls>(pair.client(), pair.server(), buffer, size);
    transfer<Calls>(pair.server(), pair.client(), buffer, size);
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK_TEMPLATE(BM_LoopbackPingPong, FileCalls)->Arg(64)->Arg(4096);
BENCHMARK_TEMPLATE(BM_LoopbackPingPong, SocketCalls)->Arg(64)->Arg(4096);

}  // namespace
