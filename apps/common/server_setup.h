// What a server's constructor checks before it binds anything, the same way in every server here:
// the numeric address to listen on, and reactor 0's poller (a bad thread count or poller name
// throws std::invalid_argument, so that a Config built in code fails as the flags would).
// Ownership: the poller returned belongs to the caller (a Reactor). Threads: any.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "reactor/core/poller.h"
#include "reactor/net/inet_address.h"

namespace app {

// `host` (numeric IPv4 or IPv6) and `port`; throws std::invalid_argument for any other host.
reactor::InetAddress listen_address(const std::string& host, std::uint16_t port);

// The poller named `poller` ("epoll" or "poll") for reactor 0 of a server of `threads` threads;
// throws std::invalid_argument for zero threads or an unknown name.
std::unique_ptr<reactor::Poller> main_poller(const std::string& poller, std::size_t threads);

}  // namespace app
