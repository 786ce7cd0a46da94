#include "reactor/net/socket_address.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace reactor {
namespace {

TEST(SocketAddressTest, AnInetAddressIsASocketAddress) {
  const SocketAddress address = *InetAddress::parse("::1", 8080);
  EXPECT_TRUE(address.is_inet());
  EXPECT_FALSE(address.is_unix());
  EXPECT_EQ(address.family(), AF_INET6);
  EXPECT_EQ(address.to_string(), "[::1]:8080");
  ASSERT_TRUE(address.inet());
  EXPECT_EQ(address.inet()->port(), 8080);
}

TEST(SocketAddressTest, AUnixPathKeepsItsPathAndCountsItsNul) {
  const std::optional<SocketAddress> address = SocketAddress::unix_path("/run/app.sock");
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->is_unix());
  EXPECT_FALSE(address->inet());
  EXPECT_EQ(address->unix_path(), "/run/app.sock");
  EXPECT_EQ(address->unix_abstract_name(), "");
  EXPECT_EQ(address->to_string(), "unix:/run/app.sock");
  EXPECT_EQ(address->length(), offsetof(sockaddr_un, sun_path) + 14);
}

TEST(SocketAddressTest, AnAbstractNameHasNoPathAndNoTerminator) {
  const std::optional<SocketAddress> address = SocketAddress::unix_abstract("reactor-test");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->unix_abstract_name(), "reactor-test");
  EXPECT_EQ(address->unix_path(), "");
  EXPECT_EQ(address->to_string(), "unix:@reactor-test");
  EXPECT_EQ(address->length(), offsetof(sockaddr_un, sun_path) + 1 + 12);
}

TEST(SocketAddressTest, UnixNamesThatDoNotFitAreRefused) {
  const std::size_t capacity = sizeof(sockaddr_un::sun_path);
  EXPECT_FALSE(SocketAddress::unix_path(""));
  EXPECT_FALSE(SocketAddress::unix_path(std::string("a\0b", 3)));
  EXPECT_FALSE(SocketAddress::unix_path(std::string(capacity, 'p')));
  EXPECT_TRUE(SocketAddress::unix_path(std::string(capacity - 1, 'p')));
  EXPECT_FALSE(SocketAddress::unix_abstract(""));
  EXPECT_FALSE(SocketAddress::unix_abstract(std::string(capacity, 'n')));
  EXPECT_TRUE(SocketAddress::unix_abstract(std::string(capacity - 1, 'n')));
}

TEST(SocketAddressTest, EqualityComparesWhatTheAddressNames) {
  EXPECT_EQ(SocketAddress(*InetAddress::parse("127.0.0.1", 1)),
            SocketAddress(*InetAddress::parse("127.0.0.1", 1)));
  EXPECT_NE(SocketAddress(*InetAddress::parse("127.0.0.1", 1)),
            SocketAddress(*InetAddress::parse("127.0.0.1", 2)));
  EXPECT_EQ(*SocketAddress::unix_path("/a"), *SocketAddress::unix_path("/a"));
  EXPECT_NE(*SocketAddress::unix_path("/a"), *SocketAddress::unix_abstract("/a"));
  EXPECT_NE(*SocketAddress::unix_path("/a"), SocketAddress(*InetAddress::parse("::1", 1)));
}

TEST(SocketAddressTest, TheKernelsAddressesOfAnUnnamedSocketPairAreUnixAndEmpty) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  const std::optional<SocketAddress> local = SocketAddress::local_of(fds[0]);
  const std::optional<SocketAddress> peer = SocketAddress::peer_of(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_TRUE(local);
  ASSERT_TRUE(peer);
  EXPECT_TRUE(local->is_unix());
  EXPECT_EQ(local->to_string(), "unix:");
  EXPECT_EQ(peer->unix_path(), "");
}

TEST(SocketAddressTest, TheKernelsAddressOfABoundAbstractSocketRoundTrips) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  const std::string name = "reactor-socket-address-test-" + std::to_string(::getpid());
  const SocketAddress wanted = *SocketAddress::unix_abstract(name);
  ASSERT_EQ(::bind(fd, wanted.sockaddr_ptr(), wanted.length()), 0);
  const std::optional<SocketAddress> bound = SocketAddress::local_of(fd);
  ::close(fd);
  ASSERT_TRUE(bound);
  EXPECT_EQ(*bound, wanted);
  EXPECT_EQ(bound->unix_abstract_name(), name);
}

TEST(SocketAddressTest, OtherFamiliesAndTruncatedAddressesAreRefused) {
  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  EXPECT_FALSE(SocketAddress::from_sockaddr(&unspecified, sizeof unspecified));
  EXPECT_FALSE(SocketAddress::from_sockaddr(nullptr, 0));
  const SocketAddress v4 = *InetAddress::parse("127.0.0.1", 1);
  EXPECT_FALSE(SocketAddress::from_sockaddr(v4.sockaddr_ptr(), v4.length() - 1));
}

}  // namespace
}  // namespace reactor
