#include "cli/live_trace.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include <ctime>

#include "enrich/attribution.hpp"
#include "kernel/capabilities.hpp"
#include "metrics/metrics_text.hpp"
#include "kernel/privileges.hpp"
#include "util/service_notify.hpp"
#include "snapshot/socket_snapshot.hpp"

namespace tl::cli {

std::vector<QueuedSink *> queued_sinks(const std::vector<std::unique_ptr<Sink>> &sinks)
{
    std::vector<QueuedSink *> queued;
    for (auto &sink : sinks)
        queued.push_back(dynamic_cast<QueuedSink *>(sink.get()));
    return queued;
}

std::unique_ptr<MetricsServer> start_metrics(const std::string &address,
                                             const std::atomic<const TraceSession *> &live,
                                             std::vector<QueuedSink *> queued)
{
    if (address.empty())
        return nullptr;
    double started = static_cast<double>(std::time(nullptr));
    auto render = [&live, queued, started] {
        const TraceSession *session = live.load();
        SessionCounters c = session ? session->counters() : SessionCounters{};
        MetricsSnapshot snap;
        snap.events_by_action = c.summary.events_by_action;
        snap.ringbuf_drops = c.summary.ringbuf_drops;
        snap.kernel_map_drops = c.summary.kernel_map_drops;
        snap.received_by_class = c.summary.received_by_class;
        snap.dropped_by_class = c.summary.dropped_by_class;
        snap.decode_errors = c.summary.decode_errors;
        snap.start_time_seconds = started;
        for (std::size_t i = 0; i < c.sinks.size(); ++i) {
            SinkMetrics m{c.sinks[i].name, c.sinks[i].stats};
            if (i < queued.size() && queued[i]) {
                m.stats = queued[i]->stats(); // thread-safe and fresher
                m.queued = true;
                m.queue_depth = queued[i]->depth();
                m.queue_capacity = queued[i]->capacity();
            }
            snap.sinks.push_back(std::move(m));
        }
        return prometheus_text(snap);
    };
    auto server = std::make_unique<MetricsServer>(address, render);
    spdlog::info("metrics at http://{}/metrics", server->address());
    return server;
}

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

void announce_tracing(const std::string &prefix)
{
    if (isatty(STDERR_FILENO))
        spdlog::info("{}tracing; Ctrl-C to stop", prefix);
    else
        spdlog::info("{}tracing; pid {}, SIGINT or SIGTERM stops", prefix, getpid());
}

int loss_exit_code(const SessionSummary &summary, bool allow_loss)
{
    const std::uint64_t lost = summary.lost();
    if (!lost)
        return exit_ok;
    const std::string which =
        fmt::format("ring buffer {}, kernel maps {}, sinks {}, unread at exit {}", summary.ringbuf_drops,
                    summary.kernel_map_drops, summary.sink_drops, summary.unread_at_exit);
    if (allow_loss) {
        spdlog::warn("{} event(s) lost ({}); exit 0 as --allow-loss asks", lost, which);
        return exit_ok;
    }
    spdlog::error("{} event(s) lost ({}): exit {}; a larger --ringbuf-size or sink queue may "
                  "help, --allow-loss accepts loss",
                  lost, which, exit_lost);
    return exit_lost;
}

std::vector<Event> attributed_snapshot(const EventFilter &filter, unsigned ancestor_depth,
                                       SnapshotGaps *gaps)
{
    std::vector<Event> events = take_socket_snapshot(filter, gaps);
    // Taken before the ring buffer is read: a slow user database may be
    // waited for longer than by live events.
    AttributionOptions options;
    options.ancestor_depth = ancestor_depth;
    options.lookup_wait = std::chrono::seconds(2);
    if (auto attribution = make_attribution_enricher(options))
        for (auto &e : events)
            attribution->enrich(e);
    return events;
}

} // namespace tl::cli
