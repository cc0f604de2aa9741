// Listeners older than the tracer: tell the kernel programs who owns them,
// so the connections they accept are attributed to that process and not to
// whoever happened to run when a packet arrived.
#pragma once

#include <cstddef>
#include <vector>

#include "pipeline/event.hpp"

namespace tl {

class KernelTracer;

struct SeedResult {
    std::size_t listeners = 0; // owners written
    std::size_t marked = 0;    // of them, also marked on the socket (exact for SO_REUSEPORT)
    std::size_t failed = 0;
};

// For each TCP listener of the start-up snapshot with a holding process:
// its owner by cookie, and (where the holder's fd can be borrowed with
// pidfd_getfd, Linux 5.6) the cookie marked on the socket itself.
SeedResult seed_listener_owners(KernelTracer &kernel, const std::vector<Event> &snapshot);

} // namespace tl
