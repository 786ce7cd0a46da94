#include "reactor/net/inet_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace reactor {

std::optional<InetAddress> InetAddress::parse(std::string_view host, std::uint16_t port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string text(host);
  InetAddress address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage_);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return address;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage_);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return address;
  }
  return std::nullopt;
}

std::optional<InetAddress> InetAddress::from_sockaddr(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  const bool v4 = address->sa_family == AF_INET && length >= sizeof(sockaddr_in);
  const bool v6 = address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6);
  if (!v4 && !v6) return std::nullopt;
  InetAddress result;
  std::memcpy(&result.storage_, address, v4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
  return result;
}

namespace {

template <typename Query>
std::optional<InetAddress> query_address(int fd, Query query) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (query(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return std::nullopt;
  return InetAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
}

}  // namespace

std::optional<InetAddress> InetAddress::local_of(int fd) {
  return query_address(fd, ::getsockname);
}

std::optional<InetAddress> InetAddress::peer_of(int fd) {
  return query_address(fd, ::getpeername);
}

std::uint16_t InetAddress::port() const {
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
}

std::string InetAddress::host() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text,
              sizeof text);
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text,
              sizeof text);
  }
  return text;
}

std::string InetAddress::to_string() const {
  const std::string port_text = std::to_string(port());
  if (family() == AF_INET6) return "[" + host() + "]:" + port_text;
  return host() + ":" + port_text;
}

socklen_t InetAddress::length() const {
  return family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

}  // namespace reactor
