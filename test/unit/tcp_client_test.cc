#include "reactor/net/tcp_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "reactor/core/reactor.h"
#include "reactor/net/tcp_server.h"
#include "reactor/testing/manual_clock.h"
#include "reactor/testing/mock_poller.h"

namespace reactor {
namespace {

using std::chrono::milliseconds;

// The server side: echoes, or closes as soon as it is told anything when `close_on_data`.
class ServerConnection final : public Connection {
 public:
  ServerConnection(Socket socket, bool close_on_data)
      : Connection(std::move(socket)), close_on_data_(close_on_data) {}

 private:
  std::size_t on_data(std::string_view bytes) override {
    send(bytes);
    if (close_on_data_) close();
    return bytes.size();
  }
  bool close_on_data_;
};

// What a client connection saw, kept by the test so that it outlives the connection.
struct ClientLog {
  std::string received;
  int closes = 0;
  int destroyed = 0;
};

// The client side: sends a greeting as soon as it exists; the hooks run from its callbacks.
class ClientConnection final : public Connection {
 public:
  ClientConnection(Socket socket, ClientLog& log) : Connection(std::move(socket)), log_(log) {
    send("hello");
  }
  ~ClientConnection() override { ++log_.destroyed; }

  std::function<void()> data_hook;
  std::function<void()> close_hook;

 private:
  std::size_t on_data(std::string_view bytes) override {
    log_.received.append(bytes);
    if (data_hook) data_hook();
    return bytes.size();
  }
  void on_close(CloseReason) override {
    ++log_.closes;
    if (close_hook) close_hook();
  }
  ClientLog& log_;
};

// A TcpServer and a TcpClient on one epoll reactor over loopback; every wait is bounded.
class TcpClientTest : public ::testing::Test {
 protected:
  void serve(bool close_on_data) {
    server_ = std::make_unique<TcpServer>(
        reactor_, listen_tcp(*InetAddress::parse("127.0.0.1", 0)),
        [close_on_data](Socket socket) {
          return std::make_unique<ServerConnection>(std::move(socket), close_on_data);
        },
        TcpServer::Options{});
    server_->start();
  }
  SocketAddress server_address() const { return *server_->local_address(); }

  TcpClient& make_client(const SocketAddress& address, const TcpClient::Options& options = {}) {
    client_ = std::make_unique<TcpClient>(
        reactor_, address,
        [this](Socket socket) {
          ++made_;
          auto connection = std::make_unique<ClientConnection>(std::move(socket), log_);
          if (on_made_) on_made_(*connection);
          return connection;
        },
        [this](std::error_code error) {
          failures_.push_back(error);
          if (on_failure_) on_failure_();
        },
        options);
    return *client_;
  }

  // Runs the loop until `done` or five seconds have passed; returns `done()`.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline)
      reactor_.run_once(milliseconds(10));
    return done();
  }

  Reactor reactor_;
  std::unique_ptr<TcpServer> server_;
  ClientLog log_;
  int made_ = 0;
  std::vector<std::error_code> failures_;
  std::function<void(ClientConnection&)> on_made_;
  std::function<void()> on_failure_;
  std::unique_ptr<TcpClient> client_;
};

TEST_F(TcpClientTest, EchoesThroughATcpServerOnLoopback) {
  serve(false);
  TcpClient& client = make_client(server_address());
  on_made_ = [](ClientConnection& connection) {
    connection.data_hook = [&connection] { connection.close(); };
  };

  client.connect();
  EXPECT_TRUE(client.connecting());
  EXPECT_EQ(made_, 0) << "the factory ran inside connect()";
  ASSERT_TRUE(run_until([&] { return log_.destroyed == 1; }));

  EXPECT_EQ(log_.received, "hello");
  EXPECT_EQ(log_.closes, 1);
  EXPECT_EQ(client.connection(), nullptr);
  EXPECT_FALSE(client.connecting());
  EXPECT_TRUE(failures_.empty());
}

TEST_F(TcpClientTest, ReconnectsAfterTheServerClosesTheConnection) {
  serve(true);
  TcpClient::Options options;
  options.reconnect = true;
  options.reconnect_delay = milliseconds(1);
  TcpClient& client = make_client(server_address(), options);

  client.connect();
  ASSERT_TRUE(run_until([&] { return made_ >= 3; }));
  EXPECT_TRUE(failures_.empty());

  client.disconnect();
  ASSERT_TRUE(run_until([&] { return log_.destroyed == made_; }));
  const int made = made_;
  reactor_.run_once(milliseconds(50));
  EXPECT_EQ(made_, made) << "reconnected after disconnect()";
  EXPECT_FALSE(client.connecting());
}

TEST_F(TcpClientTest, AConnectFailureIsReportedWithItsError) {
  Socket listener = listen_tcp(*InetAddress::parse("127.0.0.1", 0));
  const SocketAddress closed = *SocketAddress::local_of(listener.fd());
  listener.reset();
  TcpClient& client = make_client(closed);

  client.connect();
  ASSERT_TRUE(run_until([&] { return !failures_.empty(); }));

  EXPECT_EQ(failures_[0], std::errc::connection_refused);
  EXPECT_EQ(made_, 0);
  EXPECT_EQ(client.connection(), nullptr);
  EXPECT_FALSE(client.connecting());
}

TEST_F(TcpClientTest, AFactoryThatRejectsTheSocketIsReportedAsAborted) {
  serve(false);
  client_ = std::make_unique<TcpClient>(
      reactor_, server_address(), [](Socket) { return std::unique_ptr<Connection>(); },
      [this](std::error_code error) { failures_.push_back(error); });

  client_->connect();
  ASSERT_TRUE(run_until([&] { return !failures_.empty(); }));
  EXPECT_EQ(failures_[0], std::errc::connection_aborted);
  EXPECT_EQ(client_->connection(), nullptr);
}

TEST_F(TcpClientTest, MayBeDestroyedInsideTheFailureCallback) {
  Socket listener = listen_tcp(*InetAddress::parse("127.0.0.1", 0));
  const SocketAddress closed = *SocketAddress::local_of(listener.fd());
  listener.reset();
  make_client(closed).connect();
  on_failure_ = [this] { client_.reset(); };

  ASSERT_TRUE(run_until([&] { return client_ == nullptr; }));
  EXPECT_EQ(failures_.size(), 1u);
}

TEST_F(TcpClientTest, MayBeDestroyedInsideItsConnectionsOnData) {
  serve(false);
  make_client(server_address()).connect();
  on_made_ = [this](ClientConnection& connection) {
    connection.data_hook = [this] { client_.reset(); };
  };

  ASSERT_TRUE(run_until([&] { return log_.destroyed == 1; }));
  EXPECT_EQ(client_, nullptr);
  EXPECT_EQ(log_.closes, 1);
}

TEST_F(TcpClientTest, MayBeDestroyedInsideItsConnectionsOnClose) {
  serve(true);
  make_client(server_address()).connect();
  on_made_ = [this](ClientConnection& connection) {
    connection.close_hook = [this] { client_.reset(); };
  };

  ASSERT_TRUE(run_until([&] { return log_.destroyed == 1; }));
  EXPECT_EQ(client_, nullptr);
  EXPECT_EQ(log_.closes, 1);
}

TEST_F(TcpClientTest, DestroyedOutsideTheLoopItDeletesItsConnectionBeforeReturning) {
  serve(false);
  TcpClient& client = make_client(server_address());
  client.connect();
  ASSERT_TRUE(run_until([&] { return log_.received == "hello"; }));
  ASSERT_NE(client.connection(), nullptr);

  client_.reset();

  EXPECT_EQ(log_.closes, 1);
  EXPECT_EQ(log_.destroyed, 1);
}

TEST_F(TcpClientTest, DisconnectCancelsAPendingConnect) {
  serve(false);
  TcpClient& client = make_client(server_address());
  client.connect();

  client.disconnect();
  EXPECT_FALSE(client.connecting());
  reactor_.run_once(milliseconds(50));

  EXPECT_EQ(made_, 0);
  EXPECT_TRUE(failures_.empty());
}

TEST_F(TcpClientTest, StopLeavesAnOpenConnectionOpenButEndsReconnecting) {
  serve(false);
  TcpClient::Options options;
  options.reconnect = true;
  options.reconnect_delay = milliseconds(1);
  TcpClient& client = make_client(server_address(), options);
  client.connect();
  ASSERT_TRUE(run_until([&] { return log_.received == "hello"; }));

  client.stop();
  ASSERT_NE(client.connection(), nullptr);
  EXPECT_FALSE(client.connection()->closed());
  client.connection()->close();
  ASSERT_TRUE(run_until([&] { return log_.destroyed == 1; }));
  reactor_.run_once(milliseconds(50));

  EXPECT_EQ(made_, 1);
}

TEST_F(TcpClientTest, ConnectWhileConnectedDoesNothing) {
  serve(false);
  TcpClient& client = make_client(server_address());
  client.connect();
  ASSERT_TRUE(run_until([&] { return log_.received == "hello"; }));

  client.connect();
  EXPECT_FALSE(client.connecting());
  reactor_.run_once(milliseconds(50));
  EXPECT_EQ(made_, 1);
}

}  // namespace
}  // namespace reactor
