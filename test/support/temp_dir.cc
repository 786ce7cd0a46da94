#include "test/support/temp_dir.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

namespace reactor::testing {
namespace {

std::vector<std::string> entries_of(const std::string& path) {
  std::vector<std::string> names;
  DIR* directory = ::opendir(path.c_str());
  if (directory == nullptr) return names;
  while (const dirent* entry = ::readdir(directory)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(directory);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = "/tmp/reactor-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  for (const std::string& name : entries_of(path_))
    ::unlink(file(name).c_str());
  ::rmdir(path_.c_str());
}

std::string TempDir::listing() const {
  std::string listing;
  for (const std::string& name : entries_of(path_))
    listing += (listing.empty() ? "" : " ") + name;
  return listing;
}

}  // namespace reactor::testing
