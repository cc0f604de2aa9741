// Sockets that already listen (TCP) or are bound (UDP), in every network
// namespace, each attributed to the processes holding it.
#pragma once

#include <vector>

#include "event.hpp"
#include "event_filter.hpp"

namespace tl {

std::vector<Event> take_socket_snapshot(const EventFilter &filter);

} // namespace tl
