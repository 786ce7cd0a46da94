// SocketFile: the file a Unix-domain listener bound at a path, removed when the SocketFile is
// destroyed (or by remove()) if the path still names that same file. A listener does not remove
// its file when it closes, since a listener may have been inherited (socket activation) from a
// process that owns the file; whoever made the listener takes charge of the file here, right
// after listen_stream(). The same-file check (device and inode) keeps it from removing the file
// of a successor that has since replaced it on the path. A relative path is taken against the
// working directory of the moment.
// Ownership: owns the removal of one file; move-only.
// Threads: used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <string>

#include "reactor/net/socket.h"

namespace reactor {

class SocketFile {
 public:
  SocketFile() = default;  // in charge of nothing
  // Takes charge of the file `listener` is bound to. In charge of nothing for a TCP or abstract
  // listener, or if the path holds no socket any more.
  explicit SocketFile(const Socket& listener);
  SocketFile(SocketFile&& other) noexcept;
  SocketFile& operator=(SocketFile&& other) noexcept;
  SocketFile(const SocketFile&) = delete;
  SocketFile& operator=(const SocketFile&) = delete;
  ~SocketFile() { remove(); }

  // Unlinks the file now if the path still names it; then in charge of nothing.
  void remove();
  // Leaves the file where it is; then in charge of nothing.
  void release() { path_.clear(); }
  // The path in charge of; empty if none.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

}  // namespace reactor
