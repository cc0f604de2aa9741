// trace-listen [options]: the live trace.
#include <ctime>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "enrich/attribution.hpp"
#include "output/metrics_server.hpp"
#include "output/metrics_text.hpp"
#include "output/queued_sink.hpp"
#include "output/sink_factory.hpp"
#include "policy/policy_enricher.hpp"
#include "privileges.hpp"
#include "snapshot/socket_snapshot.hpp"

namespace tl::cli {

namespace {

// The queued sinks among `sinks`, by position (nullptr for direct ones): their
// queue depth goes to metrics, and they are drained before exit.
std::vector<QueuedSink *> queued_sinks(const std::vector<std::unique_ptr<RecordSink>> &sinks)
{
    std::vector<QueuedSink *> queued;
    for (auto &sink : sinks)
        queued.push_back(dynamic_cast<QueuedSink *>(sink.get()));
    return queued;
}

std::unique_ptr<MetricsServer> start_metrics(const std::string &address, const TraceSession &session,
                                             std::vector<QueuedSink *> queued)
{
    if (address.empty())
        return nullptr;
    double started = static_cast<double>(std::time(nullptr));
    auto render = [&session, queued, started] {
        SessionCounters c = session.counters();
        MetricsSnapshot snap;
        snap.events_by_action = c.summary.events_by_action;
        snap.ringbuf_drops = c.summary.ringbuf_drops;
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

// SIGTERM/SIGINT: what the queues still hold gets a bounded time to go out;
// what cannot is counted in the summary.
void drain_queues(const std::vector<QueuedSink *> &queued, SessionSummary &summary)
{
    for (QueuedSink *q : queued)
        if (q)
            summary.sink_drops += q->drain(std::chrono::seconds(5));
}

int run_trace(const TraceFlags &flags)
{
    SessionOptions options = to_session_options(flags);
    auto sinks = make_sinks(flags.sinks, flags.output);
    std::vector<QueuedSink *> queued = queued_sinks(sinks);
    std::unique_ptr<Enricher> policy;
    if (!flags.policy_file.empty())
        policy = make_policy_enricher(flags.policy_file, flags.alerts_only);
    if (auto missing = missing_bpf_privileges(); !missing.empty()) {
        spdlog::error("cannot trace: {}", missing);
        return exit_failure;
    }

    EventFilter filter = options.filter;
    TraceSession session(std::move(options), std::move(sinks));
    session.add_enricher(make_attribution_enricher({flags.ancestor_depth}));
    session.add_enricher(std::move(policy));
    try {
        session.start();
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return exit_failure;
    }
    spdlog::info("{}", session.hooks().describe());
    // After start(): a socket opened meanwhile is in the snapshot or the trace.
    if (!flags.no_snapshot)
        session.add_initial_events(take_socket_snapshot(filter));
    std::unique_ptr<MetricsServer> metrics;
    try {
        metrics = start_metrics(flags.metrics_addr, session, queued);
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
    SessionControl control = install_signal_handlers();
    spdlog::info("tracing; Ctrl-C to stop");
    SessionSummary summary = session.run(control);
    drain_queues(queued, summary);
    spdlog::info("{}", summary.line());
    return exit_ok;
}

} // namespace

void add_trace_command(CLI::App &app, CommandAction &action)
{
    static TraceFlags flags;
    add_trace_flags(app, flags);
    action = [] { return run_trace(flags); };
}

} // namespace tl::cli
