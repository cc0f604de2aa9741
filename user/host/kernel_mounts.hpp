// Pseudo-filesystems the tracer needs: tracefs for classic tracepoints and
// the cgroup v2 hierarchy for the cookie program.
#pragma once

#include <string>

namespace tl {

// Mounts tracefs at /sys/kernel/tracing when no tracefs is reachable.
// Returns true when it mounted it; throws when it is missing and cannot be.
bool ensure_tracefs_mounted();

// Mount point of the cgroup v2 hierarchy ("/sys/fs/cgroup" or, on hybrid
// layouts, "/sys/fs/cgroup/unified").  Empty when there is none.
std::string cgroup2_root();

} // namespace tl
