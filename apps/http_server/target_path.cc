#include "apps/http_server/target_path.h"

#include "apps/http_server/syntax.h"

namespace http {

std::optional<std::string_view> decode_target_path(std::string_view target, std::string& scratch) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.find('%') == std::string_view::npos) return path;
  scratch.clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      scratch.push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size()) return std::nullopt;
    const int high = syntax::hex_value(path[i + 1]);
    const int low = syntax::hex_value(path[i + 2]);
    if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
    scratch.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return std::string_view(scratch);
}

}  // namespace http
