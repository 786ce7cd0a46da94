// Counting allocator: replaces the global operator new and delete of the executable it is linked
// into, so that a test can assert that a path allocates nothing. Link it (the counting_new object
// library) only into a test executable of its own, since it changes every allocation there.
// Ownership: a process-wide counter. Threads: any (the counter is atomic).
#pragma once

namespace reactor::testing {

// Calls of any operator new so far in this process.
long allocations_now();

}  // namespace reactor::testing
