// The --upstream list parser: what it accepts, in order, and what it refuses.
#include "apps/tcp_proxy/upstream_list.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace proxy {
namespace {

std::vector<std::string> parsed(const std::string& list) {
  std::vector<std::string> addresses;
  if (const auto upstreams = parse_upstreams(list)) {
    for (const reactor::InetAddress& address : *upstreams)
      addresses.push_back(address.to_string());
  }
  return addresses;
}

TEST(UpstreamListTest, ParsesIpv4AndBracketedIpv6EntriesInOrder) {
  EXPECT_EQ(parsed("127.0.0.1:9001"), (std::vector<std::string>{"127.0.0.1:9001"}));
  EXPECT_EQ(parsed("[::1]:80,10.0.0.2:65535"),
            (std::vector<std::string>{"[::1]:80", "10.0.0.2:65535"}));
}

TEST(UpstreamListTest, RefusesMalformedEntries) {
  for (const char* bad : {"", ",", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:8o", "localhost:80", "::1:80", "[::1:80", "[::1]", ":80",
                          "127.0.0.1:80,", "127.0.0.1:80,,127.0.0.1:81", "127.0.0.1:-1"}) {
    EXPECT_FALSE(parse_upstreams(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace proxy
