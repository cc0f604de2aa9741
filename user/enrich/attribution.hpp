// Completes the kernel's process record from /proc and names the container.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "enrich/container_cache.hpp"
#include "enrich/port_holder_hint.hpp"
#include "enrich/process_cache.hpp"
#include "pipeline/enricher.hpp"

namespace tl {

struct AttributionOptions {
    unsigned ancestor_depth = 4;
    std::size_t process_cache_capacity = 8192;   // (pid, start) entries
    std::size_t container_cache_capacity = 1024; // cgroup entries
    // The longest an event waits for a user/group name not cached yet or an
    // EADDRINUSE holder: the lookups run on a worker thread, and an event
    // whose answer is not there in time goes out without it (counted).
    std::chrono::microseconds lookup_wait{std::chrono::milliseconds(5)};
};

// Fills Event::process and Event::container (also of snapshot holders) and,
// for EADDRINUSE binds, Event::holder_hint.  Never waits for a process:
// what /proc no longer has comes from the kernel record and is marked so.
class AttributionEnricher : public Enricher {
public:
    explicit AttributionEnricher(const AttributionOptions &options);
    void enrich(Event &event) override;
    void reload() override; // forgets user/group names (passwd may have changed)
    std::uint64_t lookups_timed_out() const override
    {
        return processes_.names_timed_out() + holder_hint_.timed_out();
    }

    const ProcessCache &processes() const { return processes_; }
    const ContainerCache &containers() const { return containers_; }

private:
    ProcessCache processes_;
    ContainerCache containers_;
    PortHolderHint holder_hint_;
};

std::unique_ptr<Enricher> make_attribution_enricher(const AttributionOptions &options);

} // namespace tl
