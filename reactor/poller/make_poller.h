// make_poller: the concrete pollers by name, for programs that choose one at run time.
// Ownership: the caller owns the poller it gets (usually by handing it to a Reactor).
// Threads: any; the poller is then used on one reactor's thread.
#pragma once

#include <memory>
#include <string_view>

#include "reactor/core/poller.h"

namespace reactor {

// Makes a poller by name: "epoll" or "poll". Throws std::invalid_argument for any other name.
std::unique_ptr<Poller> make_poller(std::string_view name);

}  // namespace reactor
