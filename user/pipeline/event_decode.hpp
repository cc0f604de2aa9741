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

// What the kernel's record says in its own terms, both ways: the ring-buffer
// decoder and the record file (which keeps the record's values) share them.
// The kernel's kind of an event (enum tl_event_kind); 0 for the snapshot's.
std::uint32_t kernel_kind(EventKind kind);
// The event flags (enum tl_event_flag) as the model's facts, and back.  Set
// after the socket's ports: a peer is known only with its port.
void set_event_flags(EventModel &model, std::uint16_t flags);
std::uint16_t event_flags(const EventModel &model);
// The addresses of a record: local and peer in the socket's family (the
// peer's only with its port), the requested one of a bind.  Set after the
// socket's ports, into a socket model built for it (the peer and requested
// addresses it does not set stay empty).
void set_addresses(SocketModel &socket, EventKind kind, std::uint16_t family,
                   const std::uint8_t (&local)[16], const std::uint8_t (&peer)[16],
                   std::uint16_t requested_family, const std::uint8_t (&requested)[16]);

// CLOCK_MONOTONIC ns (bpf_ktime_get_ns) to CLOCK_REALTIME ns, now.
std::int64_t monotonic_to_wall_ns(std::uint64_t monotonic_ns);
std::int64_t wall_now_ns();

// The command line captured (NUL separated) as arguments.
std::vector<std::string> split_args(const TaskModel &task);

} // namespace tl
