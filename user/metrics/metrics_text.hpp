// The Prometheus text exposition (format 0.0.4) of trace-listen's counters.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/sink.hpp"

namespace tl {

struct SinkMetrics {
    std::string name;
    SinkStats stats;
    bool queued = false;        // has a queue (depth/capacity meaningful)
    std::size_t queue_depth = 0;
    std::size_t queue_capacity = 0;
};

struct MetricsSnapshot {
    std::map<std::string, std::uint64_t> events_by_action;
    std::uint64_t ringbuf_drops = 0;
    std::uint64_t kernel_map_drops = 0;
    std::uint64_t decode_errors = 0;
    // By ring class (enum tl_ring_class): records the kernel handed over / lost.
    std::array<std::uint64_t, TL_CLASS_COUNT> received_by_class{};
    std::array<std::uint64_t, TL_CLASS_COUNT> dropped_by_class{};
    std::vector<SinkMetrics> sinks;
    double start_time_seconds = 0;
};

std::string prometheus_text(const MetricsSnapshot &snapshot);

// Label value escaping: backslash, double quote and newline.
std::string prometheus_label_value(std::string_view text);

} // namespace tl
