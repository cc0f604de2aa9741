#include "cli/live_trace.hpp"

#include <spdlog/spdlog.h>

#include "enrich/attribution.hpp"
#include "capabilities.hpp"
#include "privileges.hpp"
#include "service_notify.hpp"
#include "snapshot/socket_snapshot.hpp"

namespace tl::cli {

std::unique_ptr<TraceSession> start_live_trace(LiveTraceSetup setup)
{
    if (auto missing = missing_bpf_privileges(); !missing.empty()) {
        spdlog::error("cannot trace: {}", missing);
        return nullptr;
    }
    EventFilter filter = setup.options.filter;
    auto session = std::make_unique<TraceSession>(std::move(setup.options), std::move(setup.sinks));
    session->add_enricher(make_attribution_enricher({setup.ancestor_depth}));
    session->add_enricher(std::move(setup.policy));
    try {
        session->start();
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return nullptr;
    }
    spdlog::info("{}", session->hooks().describe());
    // After start(): a socket opened meanwhile is in the snapshot or the trace.
    if (setup.snapshot)
        session->add_initial_events(take_socket_snapshot(filter, setup.snapshot_gaps));
    // Loading and attaching are done: keep only what enrichment, port-holder
    // hints and SIGHUP reloads still use.
    try {
        spdlog::info("capabilities kept: {}", drop_capabilities_except(runtime_capabilities));
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return nullptr;
    }
    notify_ready(session->hooks().describe());
    return session;
}

std::vector<Event> attributed_snapshot(const EventFilter &filter, unsigned ancestor_depth,
                                       SnapshotGaps *gaps)
{
    std::vector<Event> events = take_socket_snapshot(filter, gaps);
    if (auto attribution = make_attribution_enricher({ancestor_depth}))
        for (auto &e : events)
            attribution->enrich(e);
    return events;
}

} // namespace tl::cli
