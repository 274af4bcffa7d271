#pragma once

// The port a server bound (with port 0) written to a file, for tests, benchmarks and
// supervisors that start it.

#include <string>

namespace parta {

// Writes "<port>\n" to `path` atomically (a temporary file renamed over it), so a reader never
// sees a partial number.
void WritePortFile(const std::string& path, int port);

}  // namespace parta
