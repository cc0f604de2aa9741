#include "cli/live_trace.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "enrich/attribution.hpp"
#include "privileges.hpp"
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
        session->add_initial_events(take_socket_snapshot(filter));
    return session;
}

void announce_tracing(const std::string &prefix)
{
    if (isatty(STDERR_FILENO))
        spdlog::info("{}tracing; Ctrl-C to stop", prefix);
    else
        spdlog::info("{}tracing; pid {}, SIGINT or SIGTERM stops", prefix, getpid());
}

int loss_exit_code(const SessionSummary &summary, bool allow_loss)
{
    std::uint64_t lost = summary.ringbuf_drops + summary.sink_drops;
    if (!lost)
        return exit_ok;
    if (allow_loss) {
        spdlog::warn("{} event(s) lost (ring buffer {}, sinks {}); exit 0 as --allow-loss asks",
                     lost, summary.ringbuf_drops, summary.sink_drops);
        return exit_ok;
    }
    spdlog::error("{} event(s) lost (ring buffer {}, sinks {}): exit {}; a larger --ringbuf-size "
                  "or sink queue may help, --allow-loss accepts loss",
                  lost, summary.ringbuf_drops, summary.sink_drops, exit_lost);
    return exit_lost;
}

std::vector<Event> attributed_snapshot(const EventFilter &filter, unsigned ancestor_depth)
{
    std::vector<Event> events = take_socket_snapshot(filter);
    if (auto attribution = make_attribution_enricher({ancestor_depth}))
        for (auto &e : events)
            attribution->enrich(e);
    return events;
}

} // namespace tl::cli
