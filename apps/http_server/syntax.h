// The character classes and small text helpers of HTTP/1.1 syntax (RFC 9110, 9112), shared by the
// request head and chunked body parsers.
// Ownership: functions only. Threads: any.
#pragma once

#include <cstdint>
#include <string_view>

namespace http::syntax {

// tchar: the characters of a token (method, header name, coding, connection option).
bool is_token_char(char c);
// field-vchar, SP or HTAB: what a header value, chunk extension or reason may hold.
bool is_field_char(char c);

// `text` is non-empty and all token characters.
bool is_token(std::string_view text);
// A header line "name: value" (without its CRLF): a token, a colon right after it, and a value of
// field characters.
bool is_header_line(std::string_view line);
// `text` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);
// ASCII case-insensitive equality; `lower` must be lower case.
bool equals_lower(std::string_view text, std::string_view lower);
// Calls fn(item) for each trimmed, non-empty item of a comma-separated list.
template <typename Fn>
void for_each_list_item(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// Value of a hex digit, or -1.
int hex_value(char c);

}  // namespace http::syntax
