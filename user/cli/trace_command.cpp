// trace-listen [options]: the live trace.
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "enrich/attribution.hpp"
#include "output/sink_factory.hpp"
#include "policy/policy_enricher.hpp"
#include "privileges.hpp"
#include "snapshot/socket_snapshot.hpp"

namespace tl::cli {

namespace {

int run_trace(const TraceFlags &flags)
{
    SessionOptions options = to_session_options(flags);
    auto sinks = make_sinks(flags.sinks, flags.output);
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
    SessionControl control = install_signal_handlers();
    spdlog::info("tracing; Ctrl-C to stop");
    SessionSummary summary = session.run(control);
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
