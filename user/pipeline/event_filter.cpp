#include "pipeline/event_filter.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "util/text_escape.hpp"

namespace tl {

bool EventFilter::matches(const Event &e) const
{
    const SocketModel &s = model_of(e).socket;
    const TaskModel &t = e.model.task;
    if (!kinds.count(e.kind))
        return false;
    if (pid && t.pid != pid)
        return false;
    if (netns && s.netns != netns)
        return false;
    if (cgroup_id && t.cgroup_id != cgroup_id)
        return false;
    if (family && s.local.family != family)
        return false;
    if (protocol && s.protocol != protocol)
        return false;
    if (!ports.empty() &&
        std::none_of(ports.begin(), ports.end(),
                     [&](std::uint16_t p) { return p == s.port || p == s.requested_port; }))
        return false;
    if (!comms.empty()) {
        std::string_view comm = c_field(t.comm, sizeof t.comm);
        if (std::find(comms.begin(), comms.end(), comm) == comms.end())
            return false;
    }
    return true;
}

std::set<EventKind> parse_event_kinds(const std::string &list)
{
    std::set<EventKind> kinds;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item == "bind")
            kinds.insert(EventKind::Bind);
        else if (item == "listen")
            kinds.insert(EventKind::Listen);
        else if (item == "close")
            kinds.insert(EventKind::Close);
        else if (item == "state")
            kinds.insert(EventKind::StateChange);
        else if (item == "existing")
            kinds.insert(EventKind::Existing);
        else
            throw std::invalid_argument("unknown event kind '" + item +
                                        "' (expected bind, listen, close, state, existing)");
    }
    if (kinds.empty())
        throw std::invalid_argument("no event kinds given");
    return kinds;
}

} // namespace tl
