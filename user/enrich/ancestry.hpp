// The chain of a process's ancestors, parent first.  The kernel recorded the
// parent (pid, comm, start) at event time; the rest comes from /proc while
// those processes live.
#pragma once

#include <vector>

#include "pipeline/event.hpp"

namespace tl {

// At most `depth` ancestors.  The parent is always there when the kernel saw
// one; its executable only while it is alive (same start time).  The walk
// stops at the first ancestor /proc no longer has.
std::vector<Ancestor> ancestors_of(const TaskModel &task, unsigned depth);

} // namespace tl
