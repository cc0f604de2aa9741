// What `trace-listen --version` prints: this build and what the running
// kernel offers it, so a bug report carries both.
#pragma once

#include <string>

namespace tl {

// Several lines: version, git revision, libbpf, kernel BTF, and for each hook
// whether this kernel offers it.  Probes the kernel (needs root for the fexit
// probe; says "unknown" where it cannot tell).
std::string version_report();

} // namespace tl
