#include "apps/http_server/file_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "apps/http_server/syntax.h"

namespace http {
namespace {

// Longest path opened; a longer one is not found.
constexpr std::size_t kMaxPath = 4096;

struct ContentType {
  std::string_view extension;
  std::string_view type;
};

constexpr ContentType kContentTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"webp", "image/webp"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
};

// A "..", or "." segment: refused before the kernel resolves anything.
bool has_dot_segment(std::string_view path) {
  for (std::size_t begin = 0; begin <= path.size();) {
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(begin, end - begin);
    if (segment == "." || segment == "..") return true;
    begin = end + 1;
  }
  return false;
}

}  // namespace

FileRoot::FileRoot(const std::string& directory)
    : root_(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
  if (!root_.valid()) {
    throw std::invalid_argument("--root must be a directory (" + directory +
                                "): " + std::strerror(errno));
  }
}

Status FileRoot::open(std::string_view path, OpenedFile& opened) const {
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos ||
      has_dot_segment(path)) {
    return Status::kForbidden;
  }
  path.remove_prefix(1);
  if (path.empty() || path.size() >= kMaxPath) return Status::kNotFound;
  char relative[kMaxPath];
  std::memcpy(relative, path.data(), path.size());
  relative[path.size()] = '\0';
  open_how how{};
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused as not regular).
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  FileHandle file(static_cast<int>(syscall(SYS_openat2, root_.fd(), relative, &how, sizeof how)));
  if (!file.valid()) {
    return errno == EXDEV || errno == EACCES || errno == EPERM || errno == ELOOP
               ? Status::kForbidden
               : Status::kNotFound;
  }
  struct stat status {};
  if (fstat(file.fd(), &status) != 0 || !S_ISREG(status.st_mode)) return Status::kNotFound;
  opened.file = std::move(file);
  opened.size = static_cast<std::uint64_t>(status.st_size);
  opened.modified = status.st_mtim.tv_sec;
  opened.content_type = content_type(path);
  return Status::kOk;
}

std::string_view FileRoot::content_type(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string_view extension = name.substr(dot + 1);
    for (const ContentType& known : kContentTypes) {
      if (syntax::equals_lower(extension, known.extension)) return known.type;
    }
  }
  return "application/octet-stream";
}

}  // namespace http
