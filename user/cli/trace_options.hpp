// The command line's view of a trace: parsed flags, before they become the
// core's SessionOptions.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "pipeline/trace_session.hpp"

namespace tl::cli {

struct FilterFlags {
    std::uint32_t pid = 0;
    std::vector<std::string> ports; // numbers or service names, each maybe a comma list
    std::string netns;  // inode number or a path (/run/netns/NAME, /proc/PID/ns/net)
    std::string cgroup; // cgroup v2 id or directory
    bool ipv4 = false, ipv6 = false, tcp = false, udp = false;
    std::vector<std::string> comms;
    std::string events = "bind,listen,close";
};

struct TraceFlags {
    FilterFlags filter;
    std::string output = "table";
    double duration_s = 0;
    std::uint64_t count = 0;
    std::string ringbuf_size = "4M";
    unsigned pending_map_entries = 0; // hidden, for tests: bind/listen calls in flight
    std::uint32_t wakeup_batch = 0;   // records per reader wake-up, 0: each
    std::string bind_hook = "auto";
    std::string state_hook = "auto";
    bool no_args = false;
    bool no_snapshot = false;
    unsigned ancestor_depth = 4;
    std::vector<std::string> sinks;   // TYPE:TARGET[:FORMAT], e.g. file:/var/log/tl.json:ecs
    std::string metrics_addr;         // Prometheus endpoint, off when empty
    std::string policy_file;
    bool alerts_only = false;
    bool allow_loss = false;          // exit 0 even when events were lost
};

void add_filter_flags(CLI::App &app, FilterFlags &flags);

// Seconds > 0, with a message naming the range.
CLI::Validator positive_seconds();

// --port values (numbers, service names, comma lists) -> ports; `protocol`
// ("tcp", "udp" or empty) picks the service's port.  Throws CLI::ValidationError.
std::vector<std::uint16_t> resolve_ports(const std::vector<std::string> &values,
                                         const std::string &protocol);
void add_trace_flags(CLI::App &app, TraceFlags &flags);

// Throws CLI::ValidationError naming the flag when a value is unusable.
EventFilter to_event_filter(const FilterFlags &flags);
SessionOptions to_session_options(const TraceFlags &flags);

} // namespace tl::cli
