// The bytes echo_bench sends: a deterministic pseudo-random function of (connection id, message
// sequence number), so a corrupted byte, or one echoed to the wrong connection or message, differs
// from what the receiver expects. Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bench {

void fill_message(std::uint64_t connection_id, std::uint64_t sequence, char* out, std::size_t size);

}  // namespace bench
