#include "apps/tcp_proxy/upstream_list.h"

#include <charconv>
#include <cstdint>

namespace proxy {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// "HOST:PORT" or "[V6HOST]:PORT".
std::optional<reactor::InetAddress> parse_upstream(std::string_view entry) {
  const std::size_t colon = entry.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view host = entry.substr(0, colon);
  const bool bracketed = !host.empty() && host.front() == '[';
  // An IPv6 host must be bracketed, so that its own colons are not taken for the port's.
  if (!bracketed && host.find(':') != std::string_view::npos) return std::nullopt;
  if (bracketed && host.back() != ']') return std::nullopt;
  const std::optional<std::uint16_t> port = parse_port(entry.substr(colon + 1));
  if (!port || host.empty()) return std::nullopt;
  return reactor::InetAddress::parse(host, *port);
}

}  // namespace

std::optional<std::vector<reactor::InetAddress>> parse_upstreams(std::string_view list) {
  std::vector<reactor::InetAddress> addresses;
  for (;;) {
    const std::size_t comma = list.find(',');
    std::optional<reactor::InetAddress> address = parse_upstream(list.substr(0, comma));
    if (!address) return std::nullopt;
    addresses.push_back(*address);
    if (comma == std::string_view::npos) return addresses;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace proxy
