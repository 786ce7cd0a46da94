// FileRoot: the directory --root serves files from, and the only way to open a file under it.
// Paths are resolved by the kernel beneath the root's descriptor (openat2 with RESOLVE_BENEATH),
// so no "..", absolute symlink or symlink leading out of the root can reach a file outside it,
// whatever the path's spelling; a path with a ".." segment is refused before that. Only regular
// files are served.
// Ownership: owns the root's directory descriptor. Threads: open() from any thread (it only reads
// the descriptor); construct and destroy on one.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "apps/http_server/file_handle.h"
#include "apps/http_server/http_status.h"

namespace http {

struct OpenedFile {
  FileHandle file;
  std::uint64_t size = 0;
  std::time_t modified = 0;
  std::string_view content_type;
};

class FileRoot {
 public:
  // Throws std::invalid_argument if `directory` is not a directory that can be opened.
  explicit FileRoot(const std::string& directory);

  // Opens `path` (decoded, starting with '/') beneath the root: kOk and `opened`, or kNotFound
  // (missing, or not a regular file) or kForbidden (outside the root, or not readable).
  Status open(std::string_view path, OpenedFile& opened) const;

  // The Content-Type of a file by its name's extension (application/octet-stream if unknown).
  static std::string_view content_type(std::string_view path);

 private:
  FileHandle root_;
};

}  // namespace http
