// A kernel-style task record (struct tl_task) read from /proc, for sockets
// found by the snapshot: the kernel did not see them being opened, so /proc
// is the only witness.  Same fields, same units, as the kernel fills them.
#pragma once

#include <cstdint>
#include <optional>

#include "host/cgroup_paths.hpp"
#include "trace_listen/event.h"

namespace tl {

// nullopt when the process is gone.  args: the first TL_ARGS_LEN bytes of
// the command line (TL_TASK_ARGS_TRUNCATED when cut).
std::optional<tl_task> task_from_proc(std::uint32_t pid, const CgroupPaths &cgroups);

} // namespace tl
