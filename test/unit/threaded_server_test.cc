// ThreadedTcpServer (one TcpServer per reactor thread on SO_REUSEPORT listeners) and ConnectionId
// (reaching a connection from another thread, safely if it has gone). Real sockets on 127.0.0.1,
// each wait bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/net/threaded_tcp_server.h"
#include "reactor/threads/reactor_thread.h"
#include "test/unit/tcp_server_fixture.h"

namespace reactor::server_test {
namespace {

// Runs `task` on `reactor`'s thread and returns its result, waiting at most kPatience.
template <typename F>
auto on_loop(Reactor& reactor, F task) {
  std::promise<decltype(task())> result;
  auto future = result.get_future();
  reactor.run_in_loop([&result, task = std::move(task)]() mutable { result.set_value(task()); });
  if (future.wait_for(kPatience) != std::future_status::ready) throw std::runtime_error("stuck");
  return future.get();
}

std::vector<ConnectionId> ids_of(TcpServer& server) {
  std::vector<ConnectionId> ids;
  server.for_each_connection([&](Connection& c) { ids.push_back(server.id_of(c)); });
  return ids;
}

TEST(ThreadedTcpServerTest, ConnectionsOnEveryThreadAreServedAndCountedTogether) {
  Reactor reactor(make_poller("epoll"));
  std::set<Reactor*> factory_reactors;
  ThreadedTcpServer::Options options;
  options.threads = 2;
  ThreadedTcpServer server(
      reactor, loopback_any_port(),
      [&](Reactor& on, std::size_t) {
        factory_reactors.insert(&on);
        return echo_factory();
      },
      options);
  ASSERT_EQ(server.size(), 2u);
  EXPECT_EQ(factory_reactors.size(), 2u);
  EXPECT_NE(server.address().port(), 0);
  server.start();

  constexpr std::size_t kClients = 16;
  std::vector<std::unique_ptr<Client>> clients;
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(server.address()));
    clients.back()->send("ping");
  }
  const bool all_echoed = eventually(
      [&] {
        for (auto& client : clients) {
          client->read_available();
          if (client->received() != "ping") return false;
        }
        return true;
      },
      [&] { reactor.run_once(milliseconds(5)); });
  EXPECT_TRUE(all_echoed);
  EXPECT_EQ(server.counter().value(), kClients);
}

TEST(ConnectionIdTest, AnIdFindsItsConnectionUntilItClosesAndNeverItsSuccessor) {
  Reactor reactor(make_poller("epoll"));
  TcpServer server(reactor, listen_tcp(loopback_any_port()), echo_factory(), {});
  server.start();
  auto first = std::make_unique<Client>(*server.local_address());
  ASSERT_TRUE(eventually([&] { return server.connection_count() == 1; },
                         [&] { reactor.run_once(milliseconds(5)); }));
  const ConnectionId id = ids_of(server).at(0);
  ASSERT_NE(server.find(id), nullptr);

  first->close();
  ASSERT_TRUE(eventually([&] { return server.connection_count() == 0; },
                         [&] { reactor.run_once(milliseconds(5)); }));
  EXPECT_EQ(server.find(id), nullptr);

  Client second(*server.local_address());
  ASSERT_TRUE(eventually([&] { return server.connection_count() == 1; },
                         [&] { reactor.run_once(milliseconds(5)); }));
  const ConnectionId successor = ids_of(server).at(0);
  EXPECT_EQ(successor.slot, id.slot) << "the freed place is reused";
  EXPECT_EQ(server.find(id), nullptr);
  EXPECT_NE(server.find(successor), nullptr);
}

TEST(ConnectionIdTest, AnotherThreadSendsToAConnectionWhileItCloses) {
  ReactorThread loop;
  auto server = std::make_unique<TcpServer>(loop.reactor(), listen_tcp(loopback_any_port()),
                                            echo_factory(), TcpServer::Options{});
  on_loop(loop.reactor(), [&] {
    server->start();
    return true;
  });
  Client client(*server->local_address());
  std::vector<ConnectionId> ids;
  ASSERT_TRUE(eventually([&] { return ids.size() == 1; },
                         [&] { ids = on_loop(loop.reactor(), [&] { return ids_of(*server); }); }));
  const ConnectionId id = ids.front();

  std::atomic<int> delivered{0};
  std::atomic<int> gone{0};
  auto send_once = [&] {
    with_connection(id, [&](Connection* connection) {
      if (connection == nullptr) {
        ++gone;
        return;
      }
      connection->send("x");
      ++delivered;
    });
  };
  std::atomic<bool> sending{true};
  std::thread sender([&] {
    while (sending)
      send_once();
  });
  // The client resets while the sender's tasks keep arriving.
  ASSERT_TRUE(eventually([&] { return delivered > 0; }, [] { std::this_thread::yield(); }));
  client.reset();
  ASSERT_TRUE(eventually(
      [&] { return on_loop(loop.reactor(), [&] { return server->connection_count() == 0; }); },
      [] { std::this_thread::yield(); }));
  sending = false;
  sender.join();
  // Sent after the close was seen on the loop thread: it must find nothing.
  send_once();
  ASSERT_TRUE(eventually([&] { return gone > 0; }, [] { std::this_thread::yield(); }));

  loop.join();
  server.reset();
}

}  // namespace
}  // namespace reactor::server_test
