// Sockets that already listen (TCP) or are bound (UDP), in every network
// namespace, each attributed to the processes holding it.
#pragma once

#include <string>
#include <vector>

#include "host/sock_diag.hpp"
#include "pipeline/event.hpp"
#include "pipeline/event_filter.hpp"

namespace tl {

// What the snapshot could not see, one line each, naming the capability that
// would let it (e.g. a network namespace it could not enter).
using SnapshotGaps = std::vector<std::string>;

// One socket sock_diag found in network namespace `netns`, held by `holder`
// (nullptr: by no process that can be seen), as an event: its model is built
// from what sock_diag and /proc say, and named as a ring-buffer event's is.
// Its time is left for the caller to set.
Event existing_socket_event(const DiagSocket &socket, std::uint32_t netns, const TaskModel *holder);

// `gaps` (if given) receives what could not be seen; it is logged either way.
std::vector<Event> take_socket_snapshot(const EventFilter &filter, SnapshotGaps *gaps = nullptr);

} // namespace tl
