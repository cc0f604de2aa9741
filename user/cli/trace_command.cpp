// trace-listen [options]: the live trace.
#include <ctime>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/live_trace.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "output/metrics_server.hpp"
#include "output/metrics_text.hpp"
#include "output/queued_sink.hpp"
#include "output/sink_factory.hpp"
#include "policy/policy_enricher.hpp"

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
        snap.received_by_class = c.summary.received_by_class;
        snap.dropped_by_class = c.summary.dropped_by_class;
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
    LiveTraceSetup setup;
    setup.options = to_session_options(flags);
    setup.sinks = make_sinks(flags.sinks, flags.output);
    std::vector<QueuedSink *> queued = queued_sinks(setup.sinks);
    if (!flags.policy_file.empty())
        setup.policy = make_policy_enricher(flags.policy_file, flags.alerts_only);
    setup.ancestor_depth = flags.ancestor_depth;
    setup.snapshot = !flags.no_snapshot;
    auto session = start_live_trace(std::move(setup));
    if (!session)
        return exit_failure;
    std::unique_ptr<MetricsServer> metrics;
    try {
        metrics = start_metrics(flags.metrics_addr, *session, queued);
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
    SessionControl control = install_signal_handlers();
    spdlog::info("tracing; Ctrl-C to stop");
    SessionSummary summary = session->run(control);
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
