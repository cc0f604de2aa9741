// trace-listen [options]: the live trace.
#include <atomic>
#include <ctime>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/common_flags.hpp"
#include "cli/live_trace.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "metrics/metrics_server.hpp"
#include "metrics/metrics_text.hpp"
#include "sink/queued_sink.hpp"
#include "sink/sink_factory.hpp"
#include "policy/policy_enricher.hpp"

namespace tl::cli {

namespace {

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
    if (!flags.metrics_addr.empty())
        parse_metrics_address(flags.metrics_addr); // throws: a usage error
    setup.sinks = make_sinks(flags.sinks, flags.output, stdout_table_style(false));
    std::vector<QueuedSink *> queued = queued_sinks(setup.sinks);
    if (!flags.policy_file.empty())
        setup.policy = make_policy_enricher(flags.policy_file, flags.alerts_only);
    setup.ancestor_depth = flags.ancestor_depth;
    setup.snapshot = !flags.no_snapshot;
    // Declared before the server, so the server stops first.
    std::unique_ptr<TraceSession> session;
    std::atomic<const TraceSession *> live{nullptr};
    std::unique_ptr<MetricsServer> metrics;
    try {
        metrics = start_metrics(flags.metrics_addr, live, queued);
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
    session = start_live_trace(std::move(setup));
    if (!session)
        return exit_failure;
    live = session.get();
    SessionControl control = install_signal_handlers();
    announce_tracing("");
    SessionSummary summary = session->run(control);
    drain_queues(queued, summary);
    spdlog::info("{}", summary.line());
    return loss_exit_code(summary, flags.allow_loss);
}

} // namespace

void add_trace_command(CLI::App &app, CommandAction &action)
{
    static TraceFlags flags;
    add_trace_flags(app, flags);
    action = [] { return run_trace(flags); };
}

} // namespace tl::cli
