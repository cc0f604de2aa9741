// What the user asked to see.  The kernel applies all but --comm before an
// event is even reserved; snapshot and replay events pass through matches().
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "pipeline/event.hpp"

namespace tl {

struct EventFilter {
    std::set<EventKind> kinds{EventKind::Bind, EventKind::Listen, EventKind::Close,
                              EventKind::Existing};
    std::uint32_t pid = 0;
    std::uint32_t netns = 0;
    std::uint64_t cgroup_id = 0;
    std::uint16_t family = 0;   // AF_INET / AF_INET6
    std::uint16_t protocol = 0; // IPPROTO_TCP / IPPROTO_UDP
    std::vector<std::uint16_t> ports;
    std::vector<std::string> comms; // exact process names

    bool matches(const Event &event) const;
};

// "bind,listen,close,state" -> kinds; throws std::invalid_argument naming a bad one.
std::set<EventKind> parse_event_kinds(const std::string &list);

} // namespace tl
