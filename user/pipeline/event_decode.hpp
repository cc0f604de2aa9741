// From the bytes the kernel submitted to an Event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "pipeline/event.hpp"

namespace tl {

// nullopt when the record is not a tl_event (size or kind out of range).
// The model is decoded too.
std::optional<Event> decode_event(const void *data, std::size_t size);

// The model of a kernel record (as it is now: after a later stage filled a
// close's port in, decode again).  Snapshot and replay events, built from
// /proc or a file rather than the ring buffer, are decoded the same way.
EventModel decode_model(const tl_event &raw, EventKind kind);
void decode_model(Event &event);
// The event's model; decoded now (not kept) for an event built by hand.
const EventModel &model_of(const Event &event);

// CLOCK_MONOTONIC ns (bpf_ktime_get_ns) to CLOCK_REALTIME ns, now.
std::int64_t monotonic_to_wall_ns(std::uint64_t monotonic_ns);
std::int64_t wall_now_ns();

// The command line captured in the kernel (NUL separated) as arguments.
std::vector<std::string> split_args(const tl_task &task);

} // namespace tl
