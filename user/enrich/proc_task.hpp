// A task's facts (the event model's TaskModel) read from /proc, for sockets
// found by the snapshot: the kernel did not see them being opened, so /proc
// is the only witness.  Same fields, same units, as the kernel's capture.
#pragma once

#include <cstdint>
#include <optional>

#include "host/cgroup_paths.hpp"
#include "pipeline/event_model.hpp"

namespace tl {

// nullopt when the process is gone.  args: the first TL_ARGS_LEN bytes of
// the command line (TL_TASK_ARGS_TRUNCATED when cut).
std::optional<TaskModel> task_from_proc(std::uint32_t pid, const CgroupPaths &cgroups);

} // namespace tl
