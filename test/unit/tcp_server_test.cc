#include "reactor/net/tcp_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/poller/make_poller.h"
#include "reactor/testing/fake_syscalls.h"
#include "test/unit/tcp_server_fixture.h"

namespace reactor {
namespace {

using namespace server_test;  // NOLINT(google-build-using-namespace)

TEST_F(TcpServerTest, AcceptsAndEchoes) {
  start_server();
  Client client(address());

  EXPECT_EQ(echo(client, "hello"), "hello");
  EXPECT_EQ(echo(client, "again"), "again");
  EXPECT_EQ(server_->connection_count(), 1u);
  EXPECT_EQ(server_->total_connections(), 1u);
  server_->for_each_connection([](Connection& connection) {
    int no_delay = 0;
    socklen_t length = sizeof no_delay;
    ::getsockopt(connection.socket().fd(), IPPROTO_TCP, TCP_NODELAY, &no_delay, &length);
    EXPECT_EQ(no_delay, 1);
  });
}

TEST_F(TcpServerTest, ConnectionCountDropsWhenClientsClose) {
  start_server();
  Client first(address());
  Client second(address());
  ASSERT_TRUE(count_becomes(2));

  first.close();

  EXPECT_TRUE(count_becomes(1));
  EXPECT_EQ(server_->total_connections(), 1u);
  EXPECT_EQ(echo(second, "still here"), "still here");
}

TEST_F(TcpServerTest, PastTheLimitNewConnectionsAreClosedAndExistingOnesGoOn) {
  TcpServer::Options options;
  options.max_connections = 2;
  start_server(options);
  Client first(address());
  Client second(address());
  ASSERT_EQ(echo(first, "1"), "1");
  ASSERT_EQ(echo(second, "2"), "2");

  Client third(address());
  third.send("3");

  EXPECT_TRUE(ended_by_server(third));
  EXPECT_EQ(third.received(), "");
  EXPECT_TRUE(third.end_error() == 0 || third.end_error() == ECONNRESET) << third.end_error();
  EXPECT_EQ(echo(first, "1"), "1");
  EXPECT_EQ(echo(second, "2"), "2");
  EXPECT_EQ(server_->connection_count(), 2u);

  // A slot frees up: the next newcomer gets in.
  first.close();
  ASSERT_TRUE(count_becomes(1));
  Client fourth(address());
  EXPECT_EQ(echo(fourth, "4"), "4");
}

TEST_F(TcpServerTest, AFactoryReturningNullRejectsTheConnection) {
  bool reject = true;
  start_server({}, [&reject](Socket socket) -> std::unique_ptr<Connection> {
    if (std::exchange(reject, false)) return nullptr;
    return std::make_unique<EchoConnection>(std::move(socket));
  });
  Client rejected(address());
  EXPECT_TRUE(ended_by_server(rejected));
  EXPECT_EQ(server_->total_connections(), 0u);

  Client accepted(address());
  EXPECT_EQ(echo(accepted, "ok"), "ok");
  EXPECT_EQ(server_->total_connections(), 1u);
}

TEST_F(TcpServerTest, AFactoryThatThrowsCostsOnlyThatConnection) {
  bool fail = true;
  start_server({}, [&fail](Socket socket) -> std::unique_ptr<Connection> {
    if (std::exchange(fail, false)) throw std::bad_alloc();
    return std::make_unique<EchoConnection>(std::move(socket));
  });
  Client failed(address());
  EXPECT_TRUE(ended_by_server(failed));
  EXPECT_EQ(server_->total_connections(), 0u);

  Client accepted(address());
  EXPECT_EQ(echo(accepted, "ok"), "ok");
  EXPECT_EQ(server_->total_connections(), 1u);
}

TEST_F(TcpServerTest, APollerRefusalDropsOnlyThatConnection) {
  start_server();
  // The next registration is the new connection's: the kernel is out of memory for it.
  fake_.script(FakeSyscalls::Call::kEpollCtl, FakeSyscalls::Outcome::fail(ENOMEM));
  Client refused(address());

  EXPECT_TRUE(ended_by_server(refused));
  EXPECT_EQ(server_->connection_count(), 0u);
  EXPECT_EQ(server_->total_connections(), 0u);

  Client accepted(address());
  EXPECT_EQ(echo(accepted, "ok"), "ok");
}

TEST_F(TcpServerTest, AfterStopAcceptingNewConnectionsAreRefusedAndOpenOnesGoOn) {
  start_server();
  Client first(address());
  ASSERT_EQ(echo(first, "a"), "a");
  const SocketAddress listened = address();

  server_->stop_accepting();

  EXPECT_EQ(connect_error(listened), ECONNREFUSED);
  EXPECT_FALSE(server_->local_address());
  EXPECT_EQ(echo(first, "b"), "b");
  EXPECT_EQ(server_->connection_count(), 1u);
  EXPECT_THROW(server_->start(), std::system_error);
}

TEST_F(TcpServerTest, AfterStopAcceptingTheOtherListenerOnThePortTakesEveryNewConnection) {
  std::vector<Socket> listeners = listen_tcp_shared(loopback_any_port(), 2);
  const InetAddress shared = *InetAddress::local_of(listeners[0].fd());
  TcpServer stopped(reactor_, std::move(listeners[0]), echo_factory(), {});
  TcpServer serving(reactor_, std::move(listeners[1]), echo_factory(), {});
  stopped.start();
  serving.start();

  stopped.stop_accepting();
  // The kernel picks a listener by hashing each connection's addresses: with both listeners
  // open, some of these would land on the stopped one.
  constexpr std::size_t kClients = 16;
  std::vector<std::unique_ptr<Client>> clients;
  for (std::size_t i = 0; i < kClients; ++i)
    clients.push_back(std::make_unique<Client>(shared));

  ASSERT_TRUE(pump_until([&] { return serving.connection_count() == kClients; }));
  EXPECT_EQ(stopped.connection_count(), 0u);
  for (auto& client : clients)
    EXPECT_EQ(echo(*client, "x"), "x");
}

Connection::Limits without_linger() {
  Connection::Limits limits;
  limits.linger_timeout = milliseconds(0);
  return limits;
}

// Runs `hook` in on_data(), then keeps using its members: were it deleted inside the hook, ASan
// would report the use. Without a linger, a close() inside the hook completes there.
class HookConnection : public Connection {
 public:
  using Hook = std::function<void(Connection&)>;
  HookConnection(Socket socket, Hook hook, bool& destroyed, bool& alive_after_hook)
      : Connection(std::move(socket), without_linger()),
        hook_(std::move(hook)),
        destroyed_(destroyed),
        alive_after_hook_(alive_after_hook) {}
  ~HookConnection() override { destroyed_ = true; }

 protected:
  std::size_t on_data(std::string_view bytes) override {
    hook_(*this);
    consumed_ += bytes.size();
    alive_after_hook_ = !destroyed_ && closed();
    return bytes.size();
  }

 private:
  Hook hook_;
  bool& destroyed_;
  bool& alive_after_hook_;
  std::size_t consumed_ = 0;
};

TEST_F(TcpServerTest, AConnectionClosingItselfInOnDataIsDeletedAfterTheIteration) {
  bool destroyed = false;
  bool alive_after_close = false;
  start_server({}, [&](Socket socket) {
    auto answer_once = [](Connection& connection) {
      connection.send("bye");
      connection.close();
    };
    return std::make_unique<HookConnection>(std::move(socket), answer_once, destroyed,
                                            alive_after_close);
  });
  Client client(address());

  client.send("hi");
  EXPECT_TRUE(ended_by_server(client));

  EXPECT_EQ(client.received(), "bye");
  EXPECT_EQ(client.end_error(), 0);
  EXPECT_TRUE(alive_after_close);
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(server_->connection_count(), 0u);
  EXPECT_EQ(server_->total_connections(), 0u);
}

// Answers its first input with a payload too large for the socket buffers, so most of it
// stays queued in the connection.
class BulkConnection : public Connection {
 public:
  BulkConnection(Socket socket, const std::string& payload)
      : Connection(std::move(socket)), payload_(payload) {}

 protected:
  std::size_t on_data(std::string_view bytes) override {
    send(payload_);
    return bytes.size();
  }

 private:
  const std::string& payload_;
};

TEST_F(TcpServerTest, CloseAllFlushesQueuedOutputThenCloses) {
  std::string payload(16 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>('a' + i % 26);
  start_server({}, [&payload](Socket socket) {
    return std::make_unique<BulkConnection>(std::move(socket), payload);
  });
  // Idle ones on both sides of the busy one: each leaves the vector when its peer closes.
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 2; ++i)
    idle.push_back(std::make_unique<Client>(address()));
  Client busy(address());
  for (int i = 0; i < 2; ++i)
    idle.push_back(std::make_unique<Client>(address()));
  ASSERT_TRUE(count_becomes(5));
  busy.send("go");
  ASSERT_TRUE(pump_until([&] {
    std::size_t queued = 0;
    server_->for_each_connection([&queued](Connection& c) { queued += c.queued_bytes(); });
    return queued > 0;
  }));

  server_->close_all();

  // A closing connection is counted until its socket closes: the busy one flushes, and every
  // one lingers after its EOF until its peer closes too.
  EXPECT_EQ(server_->connection_count(), 5u);
  EXPECT_TRUE(ended_by_server(busy));
  EXPECT_EQ(busy.end_error(), 0);
  EXPECT_EQ(busy.received().size(), payload.size());
  EXPECT_TRUE(busy.received() == payload);
  busy.close();
  for (auto& client : idle) {
    EXPECT_TRUE(ended_by_server(*client));
    EXPECT_EQ(client->end_error(), 0);
    client->close();
  }
  EXPECT_TRUE(count_becomes(0));
}

TEST_F(TcpServerTest, AbortAllResetsEveryConnectionAtOnce) {
  start_server();
  Client first(address());
  Client second(address());
  ASSERT_TRUE(count_becomes(2));

  server_->abort_all();

  EXPECT_EQ(server_->connection_count(), 0u);
  EXPECT_EQ(server_->total_connections(), 0u);
  EXPECT_TRUE(ended_by_server(first));
  EXPECT_EQ(first.end_error(), ECONNRESET);
  EXPECT_TRUE(ended_by_server(second));
  EXPECT_EQ(second.end_error(), ECONNRESET);
}

TEST_F(TcpServerTest, AVisitorMayCloseTheConnectionItIsGiven) {
  start_server();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(std::make_unique<Client>(address()));
  ASSERT_TRUE(count_becomes(4));

  std::size_t visited = 0;
  server_->for_each_connection([&visited](Connection& connection) {
    ++visited;
    connection.abort();
  });

  EXPECT_EQ(visited, 4u);
  EXPECT_EQ(server_->connection_count(), 0u);
}

// Visits the server's connections with `act`, and records what a visit may not do: visit a
// connection twice, or one that is already closed.
class VisitLog {
 public:
  void visit(Connection& connection) {
    ++visits_[&connection];
    if (connection.closed()) ++closed_visits_;
  }
  std::size_t visited() const { return visits_.size(); }
  bool none_twice() const {
    return std::all_of(visits_.begin(), visits_.end(),
                       [](const auto& entry) { return entry.second == 1; });
  }
  bool was_visited(Connection& connection) const { return visits_.count(&connection) != 0; }
  int closed_visits() const { return closed_visits_; }

 private:
  std::map<Connection*, int> visits_;
  int closed_visits_ = 0;
};

class TcpServerVisitTest : public TcpServerTest {
 protected:
  static constexpr std::size_t kConnections = 6;

  void SetUp() override {
    start_server();
    for (std::size_t i = 0; i < kConnections; ++i)
      clients_.push_back(std::make_unique<Client>(address()));
    ASSERT_TRUE(count_becomes(kConnections));
    server_->for_each_connection([this](Connection& c) { connections_.push_back(&c); });
  }

  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<Connection*> connections_;  // as they were before the visit
  VisitLog log_;
};

TEST_F(TcpServerVisitTest, AVisitorMayCloseConnectionsItHasNotVisitedYet) {
  server_->for_each_connection([this](Connection& connection) {
    log_.visit(connection);
    for (Connection* other : connections_) {
      if (other != &connection && !other->closed() && !log_.was_visited(*other)) {
        other->abort();
        return;
      }
    }
  });

  EXPECT_TRUE(log_.none_twice());
  EXPECT_EQ(log_.closed_visits(), 0);
  EXPECT_EQ(log_.visited(), kConnections / 2);
  EXPECT_EQ(server_->connection_count(), kConnections / 2);
}

TEST_F(TcpServerVisitTest, AVisitorMayCloseVisitedAndUnvisitedConnectionsAlike) {
  // Each visit aborts the connection after it in the original order, wrapping around.
  server_->for_each_connection([this](Connection& connection) {
    log_.visit(connection);
    const auto self = std::find(connections_.begin(), connections_.end(), &connection);
    connections_[static_cast<std::size_t>(self - connections_.begin() + 1) % kConnections]->abort();
  });

  EXPECT_TRUE(log_.none_twice());
  EXPECT_EQ(log_.closed_visits(), 0);
  EXPECT_GE(log_.visited(), 1u);
  // Every connection still open was visited.
  server_->for_each_connection(
      [this](Connection& connection) { EXPECT_TRUE(log_.was_visited(connection)); });
}

TEST_F(TcpServerVisitTest, AVisitorMayAbortEveryConnection) {
  server_->for_each_connection([this](Connection& connection) {
    log_.visit(connection);
    server_->abort_all();
  });

  EXPECT_EQ(log_.visited(), 1u);
  EXPECT_EQ(log_.closed_visits(), 0);
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(TcpServerVisitTest, AVisitorMayCloseEveryConnection) {
  server_->for_each_connection([this](Connection& connection) {
    log_.visit(connection);
    server_->close_all();
  });

  EXPECT_TRUE(log_.none_twice());
  EXPECT_EQ(log_.closed_visits(), 0);
  for (auto& client : clients_) {
    EXPECT_TRUE(ended_by_server(*client));
  }
  clients_.clear();  // their EOF ends the connections' lingering close
  EXPECT_TRUE(pump_until([this] { return server_->connection_count() == 0; }));
}

TEST_F(TcpServerVisitTest, AVisitorMayVisitAgainInside) {
  VisitLog inner;
  server_->for_each_connection([&](Connection& connection) {
    log_.visit(connection);
    if (log_.visited() == 1) server_->for_each_connection([&](Connection& c) { inner.visit(c); });
  });

  EXPECT_EQ(log_.visited(), kConnections);
  EXPECT_TRUE(log_.none_twice());
  EXPECT_EQ(inner.visited(), kConnections);
  EXPECT_TRUE(inner.none_twice());
}

// Counts its destructions in `destroyed`, which the test destroys right after the server.
class CountedConnection : public EchoConnection {
 public:
  CountedConnection(Socket socket, int& destroyed)
      : EchoConnection(std::move(socket)), destroyed_(destroyed) {}
  ~CountedConnection() override { ++destroyed_; }

 private:
  int& destroyed_;
};

TEST_F(TcpServerTest, DestroyedOutsideTheLoopTheServerDestroysItsConnectionsBeforeItReturns) {
  auto destroyed = std::make_unique<int>(0);
  start_server({}, [&destroyed](Socket socket) {
    return std::make_unique<CountedConnection>(std::move(socket), *destroyed);
  });
  Client first(address());
  Client second(address());
  ASSERT_TRUE(count_becomes(2));

  server_.reset();

  EXPECT_EQ(*destroyed, 2);
  destroyed.reset();  // what the connections referred to dies right after the server
  reactor_.run_once(milliseconds(0));  // so no destructor of theirs may be left to run here
}

TEST_F(TcpServerTest, DestroyedInsideAConnectionCallbackTheServerDefersOnlyTheDestructors) {
  bool destroyed = false;
  bool alive_after_hook = false;
  start_server({}, [&](Socket socket) {
    return std::make_unique<HookConnection>(
        std::move(socket), [this](Connection&) { server_.reset(); }, destroyed, alive_after_hook);
  });
  Client client(address());
  client.send("x");

  ASSERT_TRUE(pump_until([this] { return server_ == nullptr; }));

  EXPECT_TRUE(alive_after_hook);  // aborted at once, deleted only after its callback returned
  EXPECT_TRUE(destroyed);         // by the end of that iteration
  EXPECT_TRUE(ended_by_server(client));
  EXPECT_EQ(client.end_error(), ECONNRESET);
}

TEST_F(TcpServerTest, DestroyingTheServerAbortsItsConnections) {
  ConnectionCounter counter;
  start_server({}, echo_factory(), &counter);
  Client first(address());
  Client second(address());
  ASSERT_TRUE(count_becomes(2));

  server_.reset();

  EXPECT_EQ(counter.value(), 0u);
  EXPECT_TRUE(ended_by_server(first));
  EXPECT_TRUE(ended_by_server(second));
  EXPECT_EQ(first.end_error(), ECONNRESET);
  EXPECT_EQ(second.end_error(), ECONNRESET);
}

TEST_F(TcpServerTest, AnIdleConnectionIsClosedAndABusyOneIsNot) {
  TcpServer::Options options;
  options.idle_timeout = milliseconds(1000);
  start_server(options);
  Client idle(address());
  Client busy(address());
  ASSERT_TRUE(count_becomes(2));

  clock_.advance(milliseconds(600));
  ASSERT_EQ(echo(busy, "tick"), "tick");
  clock_.advance(milliseconds(500));  // idle: 1100 ms without input; busy: 500 ms

  EXPECT_TRUE(ended_by_server(idle));
  EXPECT_EQ(server_->connection_count(), 1u);
  EXPECT_EQ(echo(busy, "tock"), "tock");
}

// A listener that only receives (a status feed) is kept alive by what the server sends it, when
// output counts as activity.
TEST_F(TcpServerTest, OutputKeepsAListeningClientAliveWhenOutputCountsAsActivity) {
  TcpServer::Options options;
  options.idle_timeout = milliseconds(1000);
  options.idle_activity = IdleTracker::Activity::kInputAndOutput;
  start_server(options);
  Client listener(address());
  ASSERT_TRUE(count_becomes(1));

  clock_.advance(milliseconds(600));
  reactor_.run_once(milliseconds(0));  // the loop's now() moves on
  server_->for_each_connection([](Connection& connection) { connection.send("news"); });
  clock_.advance(milliseconds(500));  // 1100 ms without input, 500 ms since the output
  reactor_.run_once(milliseconds(0));
  EXPECT_EQ(server_->connection_count(), 1u);
  ASSERT_TRUE(pump_until([&] {
    listener.read_available();
    return listener.received() == "news";
  }));

  clock_.advance(milliseconds(500));
  EXPECT_TRUE(ended_by_server(listener));
}

TEST(ConnectionCounterTest, CountsUpToTheLimit) {
  ConnectionCounter counter;
  EXPECT_TRUE(counter.try_add(2));
  EXPECT_TRUE(counter.try_add(2));
  EXPECT_FALSE(counter.try_add(2));
  EXPECT_EQ(counter.value(), 2u);
  counter.remove();
  EXPECT_TRUE(counter.try_add(2));
  EXPECT_TRUE(counter.try_add(0));  // no limit
  EXPECT_EQ(counter.value(), 3u);
}

TEST(ConnectionCounterTest, ConcurrentAddsNeverPassTheLimit) {
  ConnectionCounter counter;
  constexpr std::size_t kLimit = 1000;
  std::vector<std::size_t> added(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t& mine : added) {
    threads.emplace_back([&counter, &mine] {
      for (std::size_t i = 0; i < kLimit; ++i)
        mine += counter.try_add(kLimit) ? 1 : 0;
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  std::size_t total = 0;
  for (std::size_t mine : added)
    total += mine;
  EXPECT_EQ(total, kLimit);
  EXPECT_EQ(counter.value(), kLimit);
}

TEST(ListenTcpSharedTest, BindsEveryListenerToThePortTheFirstGot) {
  const std::vector<Socket> listeners = listen_tcp_shared(loopback_any_port(), 3);

  ASSERT_EQ(listeners.size(), 3u);
  const std::uint16_t port = InetAddress::local_of(listeners[0].fd())->port();
  EXPECT_NE(port, 0);
  for (const Socket& listener : listeners) {
    EXPECT_EQ(InetAddress::local_of(listener.fd())->port(), port);
  }
}

// One server per reactor thread on one port, with one shared limit.
TEST(TcpServerThreadsTest, ServersOnSeveralThreadsShareOneLimit) {
  constexpr std::size_t kLimit = 3;
  ConnectionCounter counter;
  TcpServer::Options options;
  options.max_connections = kLimit;
  std::vector<Socket> listeners = listen_tcp_shared(loopback_any_port(), 2);
  const InetAddress address = *InetAddress::local_of(listeners[0].fd());
  std::vector<std::unique_ptr<Reactor>> reactors;
  std::vector<std::unique_ptr<TcpServer>> servers;
  for (Socket& listener : listeners) {
    reactors.push_back(std::make_unique<Reactor>());
    servers.push_back(std::make_unique<TcpServer>(*reactors.back(), std::move(listener),
                                                  echo_factory(), options, &counter));
    servers.back()->start();
  }
  std::vector<std::thread> threads;
  for (auto& reactor : reactors)
    threads.emplace_back([&reactor] { reactor->run(); });

  // One at a time, each settled before the next: the first kLimit get in, wherever they land.
  std::vector<std::unique_ptr<Client>> clients;
  std::size_t echoed = 0;
  std::size_t refused = 0;
  for (std::size_t i = 0; i < 2 * kLimit; ++i) {
    clients.push_back(std::make_unique<Client>(address));
    Client& client = *clients.back();
    client.send("ping");
    eventually(
        [&client] {
          client.read_available();
          return client.received() == "ping" || client.ended();
        },
        [&client] { client.wait_readable(); });
    if (client.received() == "ping") ++echoed;
    if (client.ended()) ++refused;
  }

  EXPECT_EQ(echoed, kLimit);
  EXPECT_EQ(refused, kLimit);
  EXPECT_EQ(counter.value(), kLimit);
  for (auto& reactor : reactors)
    reactor->stop();
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(servers[0]->connection_count() + servers[1]->connection_count(), kLimit);
  servers.clear();
  EXPECT_EQ(counter.value(), 0u);
}

}  // namespace
}  // namespace reactor
