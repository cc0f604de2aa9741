// The live pipeline every tracing command shares (trace, record, check --watch).
#pragma once

#include <memory>
#include <vector>

#include "snapshot/socket_snapshot.hpp"
#include "trace_session.hpp"

namespace tl::cli {

struct LiveTraceSetup {
    SessionOptions options;
    std::vector<std::unique_ptr<RecordSink>> sinks;
    unsigned ancestor_depth = 4;
    std::unique_ptr<Enricher> policy; // optional, judged after attribution
    bool snapshot = true;             // report what already listens first
    SnapshotGaps *snapshot_gaps = nullptr; // if given: what the snapshot could not see
};

// Checks privileges, loads the kernel programs, adds attribution (then the
// policy), logs the active hooks and queues the start-up snapshot.  Returns
// nullptr, after logging what is wrong, when tracing cannot start.
std::unique_ptr<TraceSession> start_live_trace(LiveTraceSetup setup);

// The snapshot, attributed the way the live trace attributes it.
std::vector<Event> attributed_snapshot(const EventFilter &filter, unsigned ancestor_depth,
                                       SnapshotGaps *gaps = nullptr);

} // namespace tl::cli
