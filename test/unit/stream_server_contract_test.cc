// The contract of TcpServer with any stream listener: the same tests against a TCP listener on
// the loopback, a Unix-domain listener at a path, and one on an abstract name.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <string>

#include "reactor/net/socket.h"
#include "reactor/net/socket_address.h"
#include "reactor/net/tcp_server.h"
#include "test/support/temp_dir.h"
#include "test/unit/tcp_server_fixture.h"

namespace reactor {
namespace {

using namespace server_test;  // NOLINT(google-build-using-namespace)

enum class Family { kTcp, kUnixPath, kUnixAbstract };

std::string family_name(const ::testing::TestParamInfo<Family>& info) {
  switch (info.param) {
    case Family::kTcp:
      return "Tcp";
    case Family::kUnixPath:
      return "UnixPath";
    case Family::kUnixAbstract:
      return "UnixAbstract";
  }
  return "Unknown";
}

class StreamServerContractTest : public TcpServerTest,
                                 public ::testing::WithParamInterface<Family> {
 protected:
  Socket make_listener() override {
    switch (GetParam()) {
      case Family::kTcp:
        return listen_tcp(loopback_any_port());
      case Family::kUnixPath:
        return listen_stream(*SocketAddress::unix_path(dir_.file("server.sock")));
      case Family::kUnixAbstract:  // the directory's name makes it unique
        return listen_stream(*SocketAddress::unix_abstract(dir_.file("server")));
    }
    return Socket();
  }

  // Runs the loop until the server's end of `client` has something to read for it.
  bool answered(const Client& client) {
    return pump_until([&client] {
      pollfd entry{client.fd(), POLLIN, 0};
      return ::poll(&entry, 1, 0) == 1;
    });
  }

  testing::TempDir dir_;
};

TEST_P(StreamServerContractTest, EchoesAndCountsItsConnections) {
  start_server();
  Client first(address());
  Client second(address());

  EXPECT_EQ(echo(first, "hello"), "hello");
  EXPECT_EQ(echo(second, "again"), "again");
  EXPECT_EQ(server_->connection_count(), 2u);
  first.close();
  EXPECT_TRUE(count_becomes(1));
}

TEST_P(StreamServerContractTest, APeerThatHalfClosesStillGetsItsAnswer) {
  start_server();
  Client client(address());
  client.send("last words");

  client.shutdown_write();

  EXPECT_TRUE(ended_by_server(client));
  EXPECT_EQ(client.received(), "last words");
  EXPECT_EQ(client.end_error(), 0);
  EXPECT_TRUE(count_becomes(0));
}

TEST_P(StreamServerContractTest, AClientThatResetsIsForgottenAndOthersGoOn) {
  start_server();
  Client other(address());
  Client client(address());
  client.send("unread");
  ASSERT_TRUE(answered(client));

  client.reset();

  EXPECT_TRUE(count_becomes(1));
  EXPECT_EQ(echo(other, "still here"), "still here");
}

TEST_P(StreamServerContractTest, AfterStopAcceptingNewConnectionsAreRefusedAndOpenOnesGoOn) {
  start_server();
  Client client(address());
  ASSERT_EQ(echo(client, "a"), "a");
  const SocketAddress listened = address();

  server_->stop_accepting();

  EXPECT_EQ(connect_error(listened), ECONNREFUSED);
  EXPECT_FALSE(server_->local_address());
  EXPECT_EQ(echo(client, "b"), "b");
}

TEST_P(StreamServerContractTest, ConnectionsKnowTheirLocalAndPeerAddresses) {
  start_server();
  const SocketAddress listened = address();
  EXPECT_EQ(listened.is_inet(), GetParam() == Family::kTcp);
  Client client(address());
  ASSERT_EQ(echo(client, "x"), "x");

  EXPECT_EQ(SocketAddress::peer_of(client.fd()), listened);
  server_->for_each_connection([&](Connection& connection) {
    EXPECT_EQ(SocketAddress::local_of(connection.socket().fd()), listened);
    EXPECT_EQ(SocketAddress::peer_of(connection.socket().fd()),
              SocketAddress::local_of(client.fd()));
  });
}

INSTANTIATE_TEST_SUITE_P(Families, StreamServerContractTest,
                         ::testing::Values(Family::kTcp, Family::kUnixPath, Family::kUnixAbstract),
                         family_name);

}  // namespace
}  // namespace reactor
