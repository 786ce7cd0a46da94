// TempDir: a fresh directory in /tmp for tests that need file-system names, such as Unix-domain
// socket paths (short, so that they fit a sockaddr_un); removed with whatever files it holds when
// the TempDir goes.
// Ownership: owns the directory and its entries (not subdirectories).
// Threads: any, one at a time.
#pragma once

#include <string>

namespace reactor::testing {

class TempDir {
 public:
  TempDir();  // throws std::system_error
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // `name` inside the directory.
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // The names of the entries in the directory, sorted.
  std::string listing() const;

 private:
  std::string path_;
};

}  // namespace reactor::testing
