#include "snapshot/socket_snapshot.hpp"

namespace tl {

std::vector<Event> take_socket_snapshot(const EventFilter &)
{
    return {}; // TODO(snapshot): sock_diag across namespaces
}

} // namespace tl
