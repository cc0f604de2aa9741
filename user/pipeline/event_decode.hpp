// From the bytes the kernel submitted to an Event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "pipeline/event.hpp"

namespace tl {

// nullopt when the record is not a tl_event (size or kind out of range).
std::optional<Event> decode_event(const void *data, std::size_t size);

// CLOCK_MONOTONIC ns (bpf_ktime_get_ns) to CLOCK_REALTIME ns, now.
std::int64_t monotonic_to_wall_ns(std::uint64_t monotonic_ns);
std::int64_t wall_now_ns();

// The command line captured in the kernel (NUL separated) as arguments.
std::vector<std::string> split_args(const tl_task &task);

} // namespace tl
