#include "apps/examples/kv_server/kv_connection.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kv {
namespace {

struct Split {
  std::string_view first;
  std::string_view rest;  // empty if there was no space
};

// Splits `text` at its first space.
Split split_at_space(std::string_view text) {
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return {text, {}};
  return {text.substr(0, space), text.substr(space + 1)};
}

}  // namespace

void KvConnection::on_line(std::string_view line) {
  const Split command = split_at_space(line);
  if (command.first == "SET") {
    set(command.rest);
  } else if (command.first == "GET") {
    get(command.rest);
  } else if (line == "QUIT") {
    send("BYE\n");
    close();  // flushes BYE first; LineConnection delivers no line after this one
  } else {
    send("ERROR unknown command\n");
  }
}

void KvConnection::set(std::string_view arguments) {
  const Split key_value = split_at_space(arguments);
  if (key_value.first.empty() || key_value.rest.empty()) {
    send("ERROR usage: SET key value\n");
  } else if (!store_.set(key_value.first, key_value.rest)) {
    send("ERROR store full\n");
  } else {
    send("OK\n");
  }
}

void KvConnection::get(std::string_view key) {
  if (key.empty() || key.find(' ') != std::string_view::npos) {
    send("ERROR usage: GET key\n");
    return;
  }
  const std::optional<std::string> value = store_.get(key);
  if (!value) {
    send("NOT_FOUND\n");
    return;
  }
  send("VALUE " + *value + "\n");
}

}  // namespace kv
