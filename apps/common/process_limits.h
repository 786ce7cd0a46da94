// Process-wide resource settings shared by the benchmark tools. Functions only; call from main().
#pragma once

namespace app {

// Raises the soft limit on open files to the hard limit, so thousands of connections fit.
void raise_open_file_limit();

}  // namespace app
