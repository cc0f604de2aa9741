// Whether this process may load and attach BPF programs.
#pragma once

#include <string>

namespace tl {

// Empty when the effective capabilities suffice; otherwise one line naming
// what is missing and how to get it.
std::string missing_bpf_privileges();

inline constexpr int cap_sys_ptrace = 19;
inline constexpr int cap_sys_admin = 21;
// Whether capability `cap` (linux/capability.h number) is in the effective set.
bool has_effective_capability(int cap);

} // namespace tl
