// From the bytes the kernel submitted to an Event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "pipeline/event.hpp"

namespace tl {

// The event model of a kernel record (a tl_event, 8-byte aligned as the
// ring buffer gives it); nullopt when it is not one (size or kind out of
// range).
std::optional<Event> decode_event(const void *data, std::size_t size);

// CLOCK_MONOTONIC ns (bpf_ktime_get_ns) to CLOCK_REALTIME ns, now.
std::int64_t monotonic_to_wall_ns(std::uint64_t monotonic_ns);
std::int64_t wall_now_ns();

// The command line captured (NUL separated) as arguments.
std::vector<std::string> split_args(const TaskModel &task);

} // namespace tl
