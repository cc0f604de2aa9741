// For a bind that failed with EADDRINUSE: who holds that port, as text for
// Event::holder_hint, e.g. "pid 1234 (nginx) container 3f2a5c1b9e0d".
#pragma once

#include "enrich/container_cache.hpp"
#include "pipeline/event.hpp"

namespace tl {

class PortHolderHint {
public:
    explicit PortHolderHint(ContainerCache &containers) : containers_(containers) {}
    // Sets event.holder_hint when the event is an EADDRINUSE bind and a
    // holder is found.  Costs a sock_diag query and a /proc scan, which is
    // why it runs only for this rare error.
    void annotate(Event &event);

private:
    ContainerCache &containers_;
};

} // namespace tl
