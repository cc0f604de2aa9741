#include "metrics/metrics_text.hpp"

#include <fmt/format.h>

#include "host/host_metadata.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

std::string prometheus_label_value(std::string_view text)
{
    std::string out;
    for (char c : to_valid_utf8(text)) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

namespace {

void family(std::string &out, const char *name, const char *type, const char *help)
{
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

} // namespace

std::string prometheus_text(const MetricsSnapshot &s)
{
    std::string out;
    family(out, "trace_listen_build_info", "gauge", "Version of the running trace-listen.");
    out += fmt::format("trace_listen_build_info{{version=\"{}\"}} 1\n",
                       prometheus_label_value(agent_metadata().version));
    family(out, "trace_listen_start_time_seconds", "gauge",
           "When this trace-listen started, seconds since the epoch.");
    out += fmt::format("trace_listen_start_time_seconds {:.3f}\n", s.start_time_seconds);

    family(out, "trace_listen_events_total", "counter", "Events emitted, by event.action.");
    for (const char *action : {"socket-bind", "socket-listen", "socket-close", "socket-existing",
                               "tcp-state-change"}) {
        auto it = s.events_by_action.find(action);
        out += fmt::format("trace_listen_events_total{{action=\"{}\"}} {}\n", action,
                           it == s.events_by_action.end() ? 0 : it->second);
    }

    std::uint64_t sink_drops = 0;
    for (const auto &sink : s.sinks)
        sink_drops += sink.stats.dropped;
    family(out, "trace_listen_dropped_total", "counter",
           "Events or records lost, by cause: ring_buffer (kernel side, full), "
           "kernel_map_full (a kernel map of calls in flight or listeners was full), "
           "malformed_record (could not be decoded), sink (not delivered by a sink).");
    out += fmt::format("trace_listen_dropped_total{{cause=\"ring_buffer\"}} {}\n", s.ringbuf_drops);
    out += fmt::format("trace_listen_dropped_total{{cause=\"kernel_map_full\"}} {}\n",
                       s.kernel_map_drops);
    out += fmt::format("trace_listen_dropped_total{{cause=\"malformed_record\"}} {}\n",
                       s.decode_errors);
    out += fmt::format("trace_listen_dropped_total{{cause=\"sink\"}} {}\n", sink_drops);

    auto per_class = [&](const char *name, const char *help, const auto &counts) {
        family(out, name, "counter", help);
        for (unsigned c = 0; c < TL_CLASS_COUNT; ++c)
            out += fmt::format("{}{{class=\"{}\"}} {}\n", name, ring_class_name(c), counts[c]);
    };
    per_class("trace_listen_kernel_records_total",
              "Records read from the kernel, by ring buffer class: priority (a bind, listen or "
              "close on a non-loopback address, or a failure) and routine (the rest).",
              s.received_by_class);
    per_class("trace_listen_ring_buffer_dropped_total",
              "Records lost to a full ring buffer, by class (their sum is "
              "trace_listen_dropped_total{cause=\"ring_buffer\"}).",
              s.dropped_by_class);

    auto per_sink = [&](const char *name, const char *type, const char *help, auto value,
                        bool queued_only) {
        family(out, name, type, help);
        for (const auto &sink : s.sinks)
            if (!queued_only || sink.queued)
                out += fmt::format("{}{{sink=\"{}\"}} {}\n", name,
                                   prometheus_label_value(sink.name), value(sink));
    };
    per_sink("trace_listen_sink_records_total", "counter", "Records a sink delivered.",
             [](const SinkMetrics &m) { return m.stats.written; }, false);
    per_sink("trace_listen_sink_dropped_total", "counter",
             "Records a sink could not deliver (queue full, rejected, given up at exit).",
             [](const SinkMetrics &m) { return m.stats.dropped; }, false);
    per_sink("trace_listen_sink_errors_total", "counter",
             "Failed delivery attempts (each retry counts).",
             [](const SinkMetrics &m) { return m.stats.errors; }, false);
    per_sink("trace_listen_sink_queue_depth", "gauge", "Records waiting in a sink's queue.",
             [](const SinkMetrics &m) { return m.queue_depth; }, true);
    per_sink("trace_listen_sink_queue_capacity", "gauge", "Bound of a sink's queue.",
             [](const SinkMetrics &m) { return m.queue_capacity; }, true);
    return out;
}

} // namespace tl
