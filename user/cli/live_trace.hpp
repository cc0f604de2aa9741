// The live pipeline every tracing command shares (trace, record, check --watch).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "trace_session.hpp"

namespace tl::cli {

struct LiveTraceSetup {
    SessionOptions options;
    std::vector<std::unique_ptr<RecordSink>> sinks;
    unsigned ancestor_depth = 4;
    std::unique_ptr<Enricher> policy; // optional, judged after attribution
    bool snapshot = true;             // report what already listens first
};

// Checks privileges, loads the kernel programs, adds attribution (then the
// policy), logs the active hooks and queues the start-up snapshot.  Returns
// nullptr, after logging what is wrong, when tracing cannot start.
std::unique_ptr<TraceSession> start_live_trace(LiveTraceSetup setup);

// Logs that tracing runs: "PREFIXtracing; Ctrl-C to stop" at a terminal,
// "PREFIXtracing; pid N, SIGINT or SIGTERM stops" to a log or script.
void announce_tracing(const std::string &prefix);

// exit_ok, or exit_lost when the ring buffer or a sink lost events and the
// user did not accept that (--allow-loss); says so on stderr.
int loss_exit_code(const SessionSummary &summary, bool allow_loss);

// The snapshot, attributed the way the live trace attributes it.
std::vector<Event> attributed_snapshot(const EventFilter &filter, unsigned ancestor_depth);

} // namespace tl::cli
