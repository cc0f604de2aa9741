// The live pipeline every tracing command shares (trace, record, check --watch).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "snapshot/socket_snapshot.hpp"
#include "metrics/metrics_server.hpp"
#include "sink/queued_sink.hpp"
#include "pipeline/trace_session.hpp"

namespace tl::cli {

struct LiveTraceSetup {
    SessionOptions options;
    std::vector<std::unique_ptr<Sink>> sinks;
    unsigned ancestor_depth = 4;
    std::unique_ptr<Enricher> policy; // optional, judged after attribution
    bool snapshot = true;             // report what already listens first
    SnapshotGaps *snapshot_gaps = nullptr; // if given: what the snapshot could not see
};

// Checks privileges, loads the kernel programs, adds attribution (then the
// policy), logs the active hooks and queues the start-up snapshot.  Returns
// nullptr, after logging what is wrong, when tracing cannot start.
std::unique_ptr<TraceSession> start_live_trace(LiveTraceSetup setup);

// The queued sinks among `sinks`, by position (nullptr for direct ones): their
// queue depth goes to metrics, and they are drained before exit.
std::vector<QueuedSink *> queued_sinks(const std::vector<std::unique_ptr<Sink>> &sinks);

// The metrics endpoint (nullptr when `address` is empty).  Started before the
// kernel programs load, so a bad or busy address is found first; it serves
// zeros until `live` names the session.  Throws saying what is wrong.
std::unique_ptr<MetricsServer> start_metrics(const std::string &address,
                                             const std::atomic<const TraceSession *> &live,
                                             std::vector<QueuedSink *> queued);

// Logs that tracing runs: "PREFIXtracing; Ctrl-C to stop" at a terminal,
// "PREFIXtracing; pid N, SIGINT or SIGTERM stops" to a log or script.
void announce_tracing(const std::string &prefix);

// exit_ok, or exit_lost when the ring buffer or a sink lost events and the
// user did not accept that (--allow-loss); says so on stderr.
int loss_exit_code(const SessionSummary &summary, bool allow_loss);

// The snapshot, attributed the way the live trace attributes it.
std::vector<Event> attributed_snapshot(const EventFilter &filter, unsigned ancestor_depth,
                                       SnapshotGaps *gaps = nullptr);

} // namespace tl::cli
