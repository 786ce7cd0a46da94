// The --upstream list: "HOST:PORT[,HOST:PORT...]", numeric hosts, IPv6 in brackets ("[::1]:9000").
// Ownership: a function returning values. Threads: any.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "reactor/net/inet_address.h"

namespace proxy {

// The addresses in order; std::nullopt if the list is empty or any entry is malformed (no port,
// a port outside 1..65535, a host that is not a numeric IPv4 or bracketed IPv6 address).
std::optional<std::vector<reactor::InetAddress>> parse_upstreams(std::string_view list);

}  // namespace proxy
