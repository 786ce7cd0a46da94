// The character classes and small text helpers of HTTP/1.1 syntax (RFC 9110, 9112), shared by the
// request head and chunked body parsers. The one-byte helpers are inline: the head parser calls
// them for every header.
// Ownership: functions only. Threads: any.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace http::syntax {

namespace detail {

inline constexpr unsigned char kToken = 1;
inline constexpr unsigned char kField = 2;

constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> classes{};
  for (int c = 0x21; c <= 0x7e; ++c)
    classes[c] = kField;
  for (int c = 0x80; c <= 0xff; ++c)
    classes[c] = kField;  // obs-text
  classes[' '] = kField;
  classes['\t'] = kField;
  for (int c = '0'; c <= '9'; ++c)
    classes[c] |= kToken;
  for (int c = 'a'; c <= 'z'; ++c)
    classes[c] |= kToken;
  for (int c = 'A'; c <= 'Z'; ++c)
    classes[c] |= kToken;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    classes[static_cast<unsigned char>(c)] |= kToken;
  return classes;
}

inline constexpr std::array<unsigned char, 256> kClasses = make_classes();

}  // namespace detail

// tchar: the characters of a token (method, header name, coding, connection option).
inline bool is_token_char(char c) {
  return (detail::kClasses[static_cast<unsigned char>(c)] & detail::kToken) != 0;
}
// field-vchar, SP or HTAB: what a header value, chunk extension or trailer may hold.
inline bool is_field_char(char c) {
  return (detail::kClasses[static_cast<unsigned char>(c)] & detail::kField) != 0;
}

// How many leading bytes of the `size` at `bytes` are field characters other than HTAB (visible
// ASCII, SP, obs-text): the scan stops at any control byte (CR, LF, HTAB included) or DEL. Eight
// bytes at a time: this is the scan of every byte of a request head.
std::size_t count_plain_field_chars(const char* bytes, std::size_t size);
// How many leading bytes are visible ASCII (0x21-0x7E), as a request target's are.
std::size_t count_visible_chars(const char* bytes, std::size_t size);
// How many leading bytes are token characters.
inline std::size_t count_token_chars(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_token_char(text[i]))
    ++i;
  return i;
}

// `text` is non-empty and all token characters.
inline bool is_token(std::string_view text) {
  return !text.empty() && count_token_chars(text) == text.size();
}
// A header line "name: value" (without its CRLF): a token, a colon right after it, and a value of
// field characters.
bool is_header_line(std::string_view line);

// `text` without leading and trailing spaces and tabs.
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// ASCII case-insensitive equality of `text`, made of field characters, with `lower`, made of
// lower-case letters, digits and '-'.
inline bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  // Setting bit 5 lower-cases a letter and leaves digits and '-' as they are; the only other
  // bytes it turns into one of those are controls, which a field character is not.
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((text[i] | 0x20) != lower[i]) return false;
  return true;
}

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
