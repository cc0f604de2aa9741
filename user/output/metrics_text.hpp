// The Prometheus text exposition (format 0.0.4) of trace-listen's counters.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "output/record_sink.hpp"

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
    std::vector<SinkMetrics> sinks;
    double start_time_seconds = 0;
};

std::string prometheus_text(const MetricsSnapshot &snapshot);

// Label value escaping: backslash, double quote and newline.
std::string prometheus_label_value(std::string_view text);

} // namespace tl
