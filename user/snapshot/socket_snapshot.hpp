// Sockets that already listen (TCP) or are bound (UDP), in every network
// namespace, each attributed to the processes holding it.
#pragma once

#include <string>
#include <vector>

#include "pipeline/event.hpp"
#include "pipeline/event_filter.hpp"

namespace tl {

// What the snapshot could not see, one line each, naming the capability that
// would let it (e.g. a network namespace it could not enter).
using SnapshotGaps = std::vector<std::string>;

// `gaps` (if given) receives what could not be seen; it is logged either way.
std::vector<Event> take_socket_snapshot(const EventFilter &filter, SnapshotGaps *gaps = nullptr);

} // namespace tl
