// Least privilege: once the BPF programs are loaded and attached, the tracer
// keeps only what it still uses.
#pragma once

#include <string>

namespace tl {

// What the running tracer still needs after attach:
//   CAP_SYS_PTRACE      /proc/PID/exe, /proc/PID/fd of other users' processes
//   CAP_DAC_READ_SEARCH open_by_handle_at() to name cgroups; files of other users
//   CAP_SYS_ADMIN       setns() into other network namespaces (port-holder hints)
// Loading (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN), mounting tracefs and the rest
// are no longer needed: the attached links and the ring buffer fd stay usable.
inline constexpr const char *runtime_capabilities = "cap_dac_read_search,cap_sys_admin,cap_sys_ptrace";

// Reduces every thread's effective, permitted and inheritable sets to
// `keep` (a cap_from_text list), clears the ambient set and removes the rest
// from the bounding set, so not even an exec gets them back.  Returns the
// effective set afterwards as text; throws std::runtime_error when the kernel
// refuses.
std::string drop_capabilities_except(const std::string &keep);

// The effective set as text ("=" when empty), for logs.
std::string effective_capabilities_text();

} // namespace tl
