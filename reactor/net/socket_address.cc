#include "reactor/net/socket_address.h"

#include <cstddef>
#include <cstring>

namespace reactor {
namespace {

constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
constexpr std::size_t kPathCapacity = sizeof(sockaddr_un::sun_path);

template <typename Query>
std::optional<SocketAddress> query_address(int fd, Query query) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (query(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return std::nullopt;
  return SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
}

}  // namespace

SocketAddress::SocketAddress(const InetAddress& inet) : length_(inet.length()) {
  std::memcpy(&storage_, inet.sockaddr_ptr(), inet.length());
}

std::optional<SocketAddress> SocketAddress::unix_path(std::string_view path) {
  // One byte is kept for the terminating NUL that other programs may expect.
  if (path.empty() || path.size() >= kPathCapacity || path.find('\0') != path.npos) {
    return std::nullopt;
  }
  SocketAddress address;
  auto* un = reinterpret_cast<sockaddr_un*>(&address.storage_);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  address.length_ = static_cast<socklen_t>(kPathOffset + path.size() + 1);
  return address;
}

std::optional<SocketAddress> SocketAddress::unix_abstract(std::string_view name) {
  if (name.empty() || name.size() + 1 > kPathCapacity) return std::nullopt;
  SocketAddress address;
  auto* un = reinterpret_cast<sockaddr_un*>(&address.storage_);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path + 1, name.data(), name.size());  // sun_path[0] stays NUL: abstract
  address.length_ = static_cast<socklen_t>(kPathOffset + 1 + name.size());
  return address;
}

std::optional<SocketAddress> SocketAddress::from_sockaddr(const sockaddr* address,
                                                          socklen_t length) {
  if (address == nullptr || length < sizeof(sa_family_t)) return std::nullopt;
  if (address->sa_family == AF_UNIX) {
    if (length > sizeof(sockaddr_un)) return std::nullopt;
    SocketAddress result;
    std::memcpy(&result.storage_, address, length);
    result.length_ = length;
    return result;
  }
  if (const std::optional<InetAddress> inet = InetAddress::from_sockaddr(address, length)) {
    return SocketAddress(*inet);
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::local_of(int fd) {
  return query_address(fd, ::getsockname);
}

std::optional<SocketAddress> SocketAddress::peer_of(int fd) {
  return query_address(fd, ::getpeername);
}

std::optional<InetAddress> SocketAddress::inet() const {
  if (!is_inet()) return std::nullopt;
  return InetAddress::from_sockaddr(sockaddr_ptr(), length_);
}

bool SocketAddress::is_abstract() const {
  return is_unix() && length_ > kPathOffset &&
         reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path[0] == '\0';
}

std::string SocketAddress::unix_path() const {
  if (!is_unix() || is_abstract() || length_ <= kPathOffset) return {};
  const char* path = reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path;
  return std::string(path, strnlen(path, length_ - kPathOffset));  // the NUL may be counted
}

std::string SocketAddress::unix_abstract_name() const {
  if (!is_abstract()) return {};
  const char* path = reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path;
  return std::string(path + 1, length_ - kPathOffset - 1);  // every byte counts, NULs too
}

std::string SocketAddress::to_string() const {
  if (const std::optional<InetAddress> address = inet()) return address->to_string();
  if (!is_unix()) return "unspecified";
  const std::string name = unix_abstract_name();
  if (!name.empty()) return "unix:@" + name;
  return "unix:" + unix_path();
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
  if (a.is_unix() && b.is_unix()) {
    return a.unix_path() == b.unix_path() && a.unix_abstract_name() == b.unix_abstract_name();
  }
  return a.length_ == b.length_ && std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
}

}  // namespace reactor
