#include "apps/http_server/syntax.h"

#include <array>

namespace http::syntax {
namespace {

constexpr unsigned char kToken = 1;
constexpr unsigned char kField = 2;

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

constexpr std::array<unsigned char, 256> kClasses = make_classes();

bool has_class(char c, unsigned char cls) {
  return (kClasses[static_cast<unsigned char>(c)] & cls) != 0;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool is_token_char(char c) {
  return has_class(c, kToken);
}

bool is_field_char(char c) {
  return has_class(c, kField);
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!is_token_char(c)) return false;
  return true;
}

bool is_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return false;
  for (char c : line.substr(colon + 1))
    if (!is_field_char(c)) return false;
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

bool equals_lower(std::string_view text, std::string_view lower_text) {
  if (text.size() != lower_text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (lower(text[i]) != lower_text[i]) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = lower(c);
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

}  // namespace http::syntax
