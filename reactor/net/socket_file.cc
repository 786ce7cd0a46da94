#include "reactor/net/socket_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include "reactor/net/socket_address.h"

namespace reactor {
namespace {

// The socket file at `path`; none if there is no socket there.
std::optional<struct stat> socket_file_at(const std::string& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0 || !S_ISSOCK(status.st_mode)) return std::nullopt;
  return status;
}

}  // namespace

SocketFile::SocketFile(const Socket& listener) {
  const std::optional<SocketAddress> bound = SocketAddress::local_of(listener.fd());
  if (!bound) return;
  std::string path = bound->unix_path();
  if (path.empty()) return;
  if (const std::optional<struct stat> file = socket_file_at(path)) {
    path_ = std::move(path);
    device_ = file->st_dev;
    inode_ = file->st_ino;
  }
}

SocketFile::SocketFile(SocketFile&& other) noexcept
    : path_(std::move(other.path_)), device_(other.device_), inode_(other.inode_) {
  other.path_.clear();
}

SocketFile& SocketFile::operator=(SocketFile&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    device_ = other.device_;
    inode_ = other.inode_;
    other.path_.clear();
  }
  return *this;
}

void SocketFile::remove() {
  if (path_.empty()) return;
  const std::optional<struct stat> file = socket_file_at(path_);
  if (file && file->st_dev == device_ && file->st_ino == inode_) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace reactor
