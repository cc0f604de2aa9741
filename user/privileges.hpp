// Whether this process may load and attach BPF programs.
#pragma once

#include <string>

namespace tl {

// Empty when the effective capabilities suffice; otherwise one line naming
// what is missing and how to get it.
std::string missing_bpf_privileges();

} // namespace tl
