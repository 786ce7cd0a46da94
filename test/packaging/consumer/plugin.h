// A user's shared object that runs a reactor inside: it links the reactor library into itself,
// which needs reactor built shared or position-independent (REACTOR_PIC).
// Ownership: nothing is shared across the call. Threads: any.
#pragma once

// Runs one timer on an epoll reactor; true if it fired.
bool plugin_timer_fires();
