// The event as userspace handles it: the event model plus what userspace
// adds (wall-clock time, sequence number, enrichment).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/event_model.hpp"
#include "trace_listen/event.h"
#include "util/utf8.hpp"

namespace tl {

enum class EventKind {
    Bind,
    Listen,
    Close,
    StateChange,
    Existing, // from the start-up snapshot of sockets that already listen
};

// Where a process came from: /proc (while it lived) or only the kernel record.
enum class EnrichmentSource { Kernel, Proc };

struct Ancestor {
    std::uint32_t pid = 0;
    std::string name;
    std::string executable;
};

// What userspace adds to a task's facts (TaskModel): full path, arguments, names, ancestry.
struct ProcessDetails {
    std::string executable;             // full path
    std::vector<std::string> args;      // full argument list
    std::string user_name;
    std::string group_name;
    std::int64_t start_wall_ns = 0;     // process start, CLOCK_REALTIME ns
    std::string entity_id;              // stable id of (host, pid, start)
    std::vector<Ancestor> ancestors;    // parent first
    EnrichmentSource source = EnrichmentSource::Kernel;
    // Which of the texts above are valid UTF-8, worked out once by whoever
    // filled them in (mark_valid_texts) so that the formats need not check
    // them again on every event; `checked` false: not known, they check.
    struct TextValidity {
        bool checked = false;
        bool executable = false, args = false, user_name = false, group_name = false;
        bool parent_executable = false; // ancestors.front()
    } valid;
};

// Fills in `details.valid`; called again after any of the texts changes.
inline void mark_valid_texts(ProcessDetails &details)
{
    auto &v = details.valid;
    v.executable = is_valid_utf8(details.executable);
    v.args = true;
    for (const auto &a : details.args)
        v.args = v.args && is_valid_utf8(a);
    v.user_name = is_valid_utf8(details.user_name);
    v.group_name = is_valid_utf8(details.group_name);
    v.parent_executable = details.ancestors.empty() || is_valid_utf8(details.ancestors.front().executable);
    v.checked = true;
}

struct ContainerDetails {
    std::string id;                     // empty for host processes
    std::string runtime;                // docker, containerd, cri-o, podman
    std::string pod_uid;                // Kubernetes pod UID
    std::string systemd_unit;           // host services
    std::string cgroup_path;
    // As ProcessDetails::valid: worked out once (mark_valid_texts).
    struct TextValidity {
        bool checked = false;
        bool cgroup_path = false;
    } valid;
};

inline void mark_valid_texts(ContainerDetails &details)
{
    details.valid.cgroup_path = is_valid_utf8(details.cgroup_path);
    details.valid.checked = true;
}

// A process holding a socket found by the snapshot.
struct SocketHolder {
    TaskModel task;
    std::shared_ptr<const ProcessDetails> process;
};

struct PolicyVerdict {
    std::string verdict;                // expected / unexpected / forbidden
    std::string rule_id;
    std::string severity;
};

struct Event {
    // User-provided, so that a value-initialised Event (optional::emplace())
    // is not zeroed as a whole before its members are set.
    Event() {}
    // For decode: the task's texts are copied once, not zeroed first.
    explicit Event(const tl_task &captured) : model(captured) {}

    EventKind kind = EventKind::Bind;
    EventModel model;                   // what happened, to which socket, by whom
    std::int64_t wall_time_ns = 0;      // model.ts_ns on CLOCK_REALTIME
    std::uint64_t sequence = 0;         // set when emitted
    std::shared_ptr<const ProcessDetails> process;
    std::shared_ptr<const ContainerDetails> container;
    std::vector<SocketHolder> extra_holders; // snapshot: other processes sharing the socket
    std::string holder_hint;            // EADDRINUSE: who holds the port
    std::optional<PolicyVerdict> verdict;
    bool suppressed = false;            // an enricher decided it is not to be shown
};

// The event's model with its names; for an event built by hand (tests: not
// complete), named now in a copy that is not kept (valid until the next call).
const EventModel &named_copy_of_model(const Event &event);
inline const EventModel &model_of(const Event &event)
{
    return event.model.complete ? event.model : named_copy_of_model(event);
}

// Ring-buffer reservations that failed, as counted by the kernel per CPU.
// How the kernel determined an event's process (trace_listen.attribution).
inline const char *attribution_name(std::uint16_t task_flags)
{
    if (task_flags & TL_TASK_FROM_OWNER)
        return "owner";  // the socket's recorded owner (listener or connect() caller)
    if (task_flags & TL_TASK_FROM_SOCKET)
        return "socket"; // only what the socket knows: no process
    return "task";       // the running task, which made the call
}

struct DropReport {
    std::int64_t wall_time_ns = 0;
    std::uint64_t sequence = 0;
    std::vector<std::uint64_t> per_cpu;
    std::uint64_t total = 0;
    std::uint64_t userspace_dropped = 0; // e.g. sink queues, by later stages
    std::uint64_t kernel_map_dropped = 0; // a kernel map was full (pending calls, listeners)
    // total split by ring class (enum tl_ring_class): priority, routine.
    std::array<std::uint64_t, TL_CLASS_COUNT> dropped_by_class{};
};

} // namespace tl
