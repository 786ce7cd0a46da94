// The path of a request target: the part before the query, percent-decoded once. Decoding happens
// before routing and before the file root's checks, so "%2e%2e" is as much a ".." as "..".
// Ownership: functions only. Threads: any.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace http {

// The decoded path of `target` (origin form: starts with '/'). Without '%' it is a view into
// `target`; otherwise it is decoded into `scratch` (which allocates only past its capacity).
// std::nullopt for a malformed escape or an escaped NUL.
std::optional<std::string_view> decode_target_path(std::string_view target, std::string& scratch);

}  // namespace http
