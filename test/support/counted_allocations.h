// Counts every heap allocation of the executable that links this file: it replaces the global
// operator new and delete (all forms), so a test can assert that a path allocates nothing. Link
// it into an executable of its own (reactor_add_test sources), never into a shared library.
// Ownership: none. Threads: any (the counter is atomic).
#pragma once

namespace reactor::testing {

// Allocations through any operator new since the start of the process.
long allocations_now();

}  // namespace reactor::testing
