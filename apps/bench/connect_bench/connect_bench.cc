// connect_bench: how many connections per second a client opens and closes against an echo
// server, through the library (a TcpClient per slot, whose Connector connects and reconnects)
// and through Asio (async_connect), in one run, side by side. Each connection connects, echoes
// one byte, so the server has accepted and served it, and is reset (SO_LINGER 0, so that
// neither side keeps it in TIME_WAIT and the run does not run out of local ports). `concurrency`
// connections are in flight at once on one thread. The rounds alternate between the two
// clients; the median rate of each is reported, and their ratio.
// Exit status: 0 when every connection echoed, 1 on a connect or echo error or a stalled round,
// 2 for a bad command line.
#include <gflags/gflags.h>

#include <algorithm>
#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/common/command_line.h"
#include "apps/common/process_limits.h"
#include "reactor/core/reactor.h"
#include "reactor/net/tcp_client.h"

DEFINE_string(host, "127.0.0.1", "Echo server address: an IPv4 or IPv6 literal.");
DEFINE_int32(port, 0, "Echo server port (required, 1-65535).");
DEFINE_int32(connections, 20000, "Connections each client opens and closes per round.");
DEFINE_int32(concurrency, 32, "Connections in flight at once.");
DEFINE_int32(rounds, 3, "Rounds per client, alternating.");
DEFINE_double(round_timeout_s, 60, "A round that takes longer fails the run.");

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration;

// What one round of one client did.
struct Round {
  long long completed = 0;
  long long errors = 0;
  double seconds = 0;
  double per_second() const { return seconds > 0 ? completed / seconds : 0; }
};

// A connection that sends one byte as soon as it exists and resets itself when the echo is back.
class OneByteConnection final : public reactor::Connection {
 public:
  OneByteConnection(reactor::Socket socket, std::function<void()> on_echo)
      : Connection(std::move(socket)), on_echo_(std::move(on_echo)) {
    send("x");
  }

 private:
  std::size_t on_data(std::string_view bytes) override {
    abort();
    on_echo_();
    return bytes.size();
  }
  std::function<void()> on_echo_;
};

// The library's client: one TcpClient per slot, which connects again as soon as its connection
// has echoed, until the round's connections are all started.
Round run_reactor_round(const reactor::SocketAddress& server) {
  reactor::Reactor loop;
  Round round;
  long long started = 0;
  std::vector<std::unique_ptr<reactor::TcpClient>> clients;
  // Counts the connection just ended and starts the slot's next one, if any is left.
  const auto next = [&](std::size_t slot, bool ok) {
    ++(ok ? round.completed : round.errors);
    if (started < FLAGS_connections) {
      ++started;
      clients[slot]->connect();
    } else if (round.completed + round.errors >= FLAGS_connections) {
      loop.stop();
    }
  };
  for (int slot = 0; slot < FLAGS_concurrency && slot < FLAGS_connections; ++slot) {
    const std::size_t index = clients.size();
    clients.push_back(std::make_unique<reactor::TcpClient>(
        loop, server,
        [&next, index](reactor::Socket socket) {
          return std::make_unique<OneByteConnection>(std::move(socket),
                                                     [&next, index] { next(index, true); });
        },
        [&next, index](std::error_code) { next(index, false); }));
  }
  const auto start = Clock::now();
  for (auto& client : clients) {
    ++started;
    client->connect();
  }
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(duration<double>(FLAGS_round_timeout_s));
  while (round.completed + round.errors < FLAGS_connections && Clock::now() < deadline)
    loop.run_once(std::chrono::milliseconds(100));
  round.seconds = duration<double>(Clock::now() - start).count();
  return round;
}

// Asio's client: a session per slot that connects, echoes one byte, resets, and starts over.
class AsioSession : public std::enable_shared_from_this<AsioSession> {
 public:
  AsioSession(asio::io_context& io, const asio::ip::tcp::endpoint& server,
              std::function<bool(bool ok)> done)
      : socket_(io), server_(server), done_(std::move(done)) {}

  void connect() {
    socket_.async_connect(server_, [self = shared_from_this()](const asio::error_code& error) {
      self->connected(error);
    });
  }

 private:
  void connected(const asio::error_code& failure) {
    if (failure) return finish(false);
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::async_write(socket_, asio::buffer("x", 1),
                      [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                        self->written(error);
                      });
  }

  void written(const asio::error_code& failure) {
    if (failure) return finish(false);
    asio::async_read(socket_, asio::buffer(&byte_, 1),
                     [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                       self->finish(!error);
                     });
  }

  void finish(bool ok) {
    asio::error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
    if (done_(ok)) connect();
  }

  asio::ip::tcp::socket socket_;
  asio::ip::tcp::endpoint server_;
  std::function<bool(bool ok)> done_;
  char byte_ = 0;
};

Round run_asio_round(const asio::ip::tcp::endpoint& server) {
  asio::io_context io(1);
  Round round;
  long long started = 0;
  // Counts the connection just ended; true if this session should start another.
  const auto done = [&](bool ok) {
    ++(ok ? round.completed : round.errors);
    if (started >= FLAGS_connections) return false;
    ++started;
    return true;
  };
  const auto start = Clock::now();
  for (int slot = 0; slot < FLAGS_concurrency && started < FLAGS_connections; ++slot) {
    ++started;
    std::make_shared<AsioSession>(io, server, done)->connect();
  }
  io.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(
      duration<double>(FLAGS_round_timeout_s)));
  round.seconds = duration<double>(Clock::now() - start).count();
  return round;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  app::parse_command_line_or_exit(
      argc, argv,
      "Connections opened and closed per second: the library's TcpClient against Asio.\n"
      "Usage: connect_bench --port N [--connections N] [--concurrency N] [--rounds N]");
  if (FLAGS_port < 1 || FLAGS_port > 65535) {
    app::exit_with_usage_error("--port must be in [1, 65535], got " + std::to_string(FLAGS_port));
  }
  if (FLAGS_connections < 1 || FLAGS_concurrency < 1 || FLAGS_rounds < 1) {
    app::exit_with_usage_error("--connections, --concurrency and --rounds must be positive");
  }
  const std::optional<reactor::InetAddress> inet =
      reactor::InetAddress::parse(FLAGS_host, static_cast<std::uint16_t>(FLAGS_port));
  if (!inet) app::exit_with_usage_error("--host must be an IPv4 or IPv6 address");
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(FLAGS_host),
                                         static_cast<unsigned short>(FLAGS_port));
  app::raise_open_file_limit();

  std::vector<double> reactor_rates;
  std::vector<double> asio_rates;
  long long errors = 0;
  bool complete = true;
  for (int round = 0; round < FLAGS_rounds; ++round) {
    for (const bool library : {true, false}) {
      const Round result = library ? run_reactor_round(*inet) : run_asio_round(endpoint);
      const char* name = library ? "reactor" : "asio";
      std::fprintf(stderr, "round %d %-7s %lld connections in %.3f s: %.0f/s, %lld errors\n",
                   round + 1, name, result.completed, result.seconds, result.per_second(),
                   result.errors);
      (library ? reactor_rates : asio_rates).push_back(result.per_second());
      errors += result.errors;
      complete = complete && result.completed + result.errors >= FLAGS_connections;
    }
  }
  const double reactor_rate = median(reactor_rates);
  const double asio_rate = median(asio_rates);
  const double ratio = asio_rate > 0 ? reactor_rate / asio_rate : 0;
  std::printf("reactor %.0f connections/s, asio %.0f connections/s, ratio %.3f\n", reactor_rate,
              asio_rate, ratio);
  std::printf(
      "JSON {\"connections\":%d,\"concurrency\":%d,\"rounds\":%d,\"reactor_per_s\":%.0f,"
      "\"asio_per_s\":%.0f,\"ratio\":%.3f,\"errors\":%lld}\n",
      FLAGS_connections, FLAGS_concurrency, FLAGS_rounds, reactor_rate, asio_rate, ratio, errors);
  return errors == 0 && complete ? 0 : 1;
}
