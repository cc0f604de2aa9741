// For a bind that failed with EADDRINUSE: who holds that port, as text for
// Event::holder_hint, e.g. "pid 1234 (nginx) container 3f2a5c1b9e0d".
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "enrich/container_cache.hpp"
#include "host/port_holders.hpp"
#include "pipeline/event.hpp"
#include "util/bounded_lookup.hpp"

namespace tl {

// What the worker found for a port: its holders, and the first one's task.
struct PortHolderAnswer {
    std::vector<PortHolder> holders;
    std::optional<TaskModel> first_task;
};

struct PortQueryHash {
    std::size_t operator()(const PortQuery &q) const
    {
        return std::hash<std::uint64_t>()(std::uint64_t{q.netns} << 24 ^ std::uint64_t{q.protocol} << 16 ^ q.port);
    }
};
// The same port in the same namespace, whoever asks (asking_pid only helps
// to find the namespace).
struct PortQuerySame {
    bool operator()(const PortQuery &a, const PortQuery &b) const
    {
        return a.netns == b.netns && a.protocol == b.protocol && a.port == b.port;
    }
};

class PortHolderHint {
public:
    using Lookup = std::function<PortHolderAnswer(const PortQuery &)>;
    // lookup: the sock_diag dump and /proc scan by default (tests inject a slow one).
    explicit PortHolderHint(ContainerCache &containers, Lookup lookup = {},
                            BoundedLookupOptions options = default_options());
    // Sets event.holder_hint when the event is an EADDRINUSE bind and a
    // holder is found.  The search (a sock_diag dump, a /proc scan, setns)
    // runs on a worker thread; the event waits for it a few milliseconds at
    // most, then goes out without the hint (counted in timed_out()), and a
    // later failed bind on that port gets the answer.
    void annotate(Event &event);
    std::uint64_t timed_out() const { return lookups_.timed_out(); }

    static BoundedLookupOptions default_options();

private:
    ContainerCache &containers_;
    BoundedLookup<PortQuery, PortHolderAnswer, PortQueryHash, PortQuerySame> lookups_;
};

} // namespace tl
