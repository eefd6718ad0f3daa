// Process-wide: as many open files as the hard limit allows. Debian's default soft limit (1024)
// would make a server run out of descriptors long before its connection limit, and the load
// generator before its connection count. Go's runtime raises it the same way at start-up.
#pragma once

#include <cstdint>

namespace faaslab {

// Raises the soft limit on open files to the hard limit; returns the new soft limit.
std::uint64_t raise_open_file_limit();

}  // namespace faaslab
