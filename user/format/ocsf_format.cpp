#include "format/ocsf_format.hpp"

#include <netinet/in.h>

#include <cstring>
#include <optional>

#include "format/json_fields.hpp"
#include "format/json_writer.hpp"
#include "format/time_text.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/event_model.hpp"
#include "pipeline/event_text.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

namespace tl {

namespace {

constexpr int network_activity_class = 4001;
// The release whose schema the lines are validated against (docs/schema/,
// tests/CMakeLists.txt).  Listen (activity 7) needs 1.3.0, device.boot_uid
// 1.5.0, actor.process.ptid 1.6.0.
constexpr std::string_view ocsf_version = "1.8.0";

struct Activity {
    int id;
    std::string_view name;
    std::string_view type_name;
};

// OCSF Network Activity has no "bind": it is Other (99) and keeps its name.
Activity activity_of(EventKind kind)
{
    switch (kind) {
    case EventKind::Listen:
    case EventKind::Existing: return {7, "Listen", "Network Activity: Listen"};
    case EventKind::Close: return {2, "Close", "Network Activity: Close"};
    case EventKind::StateChange: return {6, "Traffic", "Network Activity: Traffic"};
    case EventKind::Bind: return {99, "Bind", "Network Activity: Bind"};
    }
    return {0, "Unknown", "Network Activity: Unknown"};
}

// OCSF connection_info.direction_id (required): a listener, and a connection
// it accepted, face inbound; a connection this host opened is outbound.  A
// bind alone does not say which way its socket will be used.
int direction_id(const Event &e, const SocketModel &s)
{
    constexpr int unknown = 0, inbound = 1, outbound = 2;
    if (s.outgoing)
        return outbound;
    if (s.accepted)
        return inbound;
    switch (e.kind) {
    case EventKind::Listen:
    case EventKind::Existing:
    case EventKind::Close: return inbound;
    case EventKind::Bind:
    case EventKind::StateChange: return unknown;
    }
    return unknown;
}

void endpoint(JsonWriter &w, std::string_view name, const IpAddress &ip, std::uint16_t port)
{
    w.ip_port(name, ip.text(), port);
}

void times(JsonWriter &w, std::int64_t wall_ns)
{
    w.signed_number("time", wall_ns / 1'000'000);
    w.timestamp("time_dt", wall_ns);
}

// Every profile whose attributes a line may carry must be declared:
// `datetime` for the *_dt twins, `container` for actor.process.container.
// A record seal has no place in the session's sequence: none is sent.
void metadata(JsonWriter &w, std::optional<std::uint64_t> sequence, std::string_view profiles)
{
    w.key("metadata");
    w.raw(reporter_json().ocsf_metadata_head);
    w.raw(profiles);
    w.value_written();
    if (sequence)
        w.number("sequence", *sequence);
    w.text("version", ocsf_version);
    w.end_object();
}

void write_actor(JsonWriter &w, const Event &e, const EventModel &m, RawOriginals &raw)
{
    const TaskModel &t = m.task;
    const ProcessDetails *p = e.process.get();
    w.object("actor");
    if (t.flags & TL_TASK_FROM_SOCKET) {
        w.object("user");
        w.quoted_decimal("uid", t.uid);
        w.end_object();
        w.end_object();
        return;
    }
    w.object("process");
    // Texts rendered once per process (/proc's) and per change (the kernel's).
    const ProcessJson *pj = p ? &process_json(e.process) : nullptr;
    const TaskJson &tj = task_json(t);
    const ArgList args(e);
    if (!args.empty()) {
        w.fragment("cmd_line", (args.from_process() ? pj->args : tj.args).command_line);
        if (args.any_invalid())
            raw.add("actor.process.cmd_line_base64", args.joined());
    }
    // Network Activity has no top-level container; the container profile
    // puts it on the process.
    if (e.container && !e.container->id.empty()) {
        w.object("container");
        if (!e.container->runtime.empty())
            w.text("runtime", e.container->runtime);
        w.text("uid", e.container->id);
        w.end_object();
    }
    if (p && p->start_wall_ns)
        w.signed_number("created_time", p->start_wall_ns / 1'000'000);
    const bool exe_from_proc = p && !p->executable.empty();
    const std::string_view exe = exe_from_proc ? std::string_view(p->executable) : c_field(t.exe, sizeof t.exe);
    if (!exe.empty()) {
        std::string_view base = exe;
        if (auto slash = base.rfind('/'); slash != std::string_view::npos)
            base = base.substr(slash + 1);
        w.object("file");
        w.text("name", base);
        // After a '/' (ASCII) a valid path's base is valid too.
        const bool exe_known = exe_from_proc && p->valid.checked && p->valid.executable;
        check_text(raw, "actor.process.file.name_base64", base, exe_known, true);
        if (exe.front() == '/') {
            if (exe_from_proc)
                w.fragment("path", pj->executable);
            else
                w.text("path", exe);
            check_text(raw, "actor.process.file.path_base64", exe, exe_known, true);
        }
        w.number("type_id", 1);
        w.end_object();
    }
    const std::string_view comm = c_field(t.comm, sizeof t.comm);
    w.fragment("name", tj.comm);
    if (m.task.checks.comm_invalid)
        raw.add("actor.process.name_base64", comm);
    if (t.ppid) {
        w.object("parent_process");
        std::string_view parent = c_field(t.parent_comm, sizeof t.parent_comm);
        w.fragment("name", tj.parent_comm);
        if (m.task.checks.parent_comm_invalid)
            raw.add("actor.process.parent_process.name_base64", parent);
        w.number("pid", t.ppid);
        w.end_object();
    }
    w.number("pid", t.pid);
    w.number("ptid", t.tid);
    if (p && !p->entity_id.empty())
        w.fragment("uid", pj->entity_id);
    w.object("user");
    if (p && !p->user_name.empty()) {
        w.fragment("name", pj->user_name);
        check_text(raw, "actor.process.user.name_base64", p->user_name, p->valid.checked, p->valid.user_name);
    }
    w.quoted_decimal("uid", t.uid);
    w.end_object();
    w.end_object();
    w.end_object();
}

} // namespace

void write_ocsf_event(std::string &out, const Event &e)
{
    const EventModel &m = model_of(e);
    const SocketModel &s = m.socket;
    const Activity activity = activity_of(e.kind);
    RawOriginals raw;
    JsonWriter w(out);
    w.begin_object();
    w.number("activity_id", static_cast<std::uint64_t>(activity.id));
    w.plain_text("activity_name", activity.name);
    if (has_process(e)) // no actor.process for a socket no visible process holds
        write_actor(w, e, m, raw);
    w.members(R"("category_name":"Network Activity","category_uid":4,"class_name":"Network Activity","class_uid":4001)");
    w.object("connection_info");
    w.number("direction_id", static_cast<std::uint64_t>(direction_id(e, s)));
    w.plain_text("protocol_name", s.transport);
    w.number("protocol_num", s.protocol);
    w.number("protocol_ver_id", s.local.family == AF_INET6 ? 6 : 4);
    w.end_object();
    w.fragment("device", reporter_json().ocsf_device);
    // OCSF's src is the initiator: the peer of a listener or of an accepted
    // connection, the local end of a connection this host opened.
    if (!s.outgoing)
        endpoint(w, "dst_endpoint", s.local, s.port);
    else if (s.peer_known)
        endpoint(w, "dst_endpoint", s.peer, s.peer_port);
    w.plain_text("message", event_action(e.kind));
    metadata(w, e.sequence, R"(["host","container","datetime"])");
    w.plain_text("severity", e.model.error ? "Low" : "Informational");
    w.number("severity_id", e.model.error ? 2 : 1);
    if (s.outgoing)
        endpoint(w, "src_endpoint", s.local, s.port);
    else if (s.peer_known)
        endpoint(w, "src_endpoint", s.peer, s.peer_port);
    if (e.model.error) {
        w.text("status", "Failure");
        w.text("status_code", errno_name(e.model.error));
        std::string detail = std::strerror(e.model.error);
        if (!e.holder_hint.empty())
            detail += "; " + e.holder_hint;
        w.text("status_detail", detail);
        if (!is_valid_utf8(detail))
            raw.add("status_detail_base64", std::move(detail));
        w.number("status_id", 2);
    } else {
        w.plain_text("status", "Success");
        w.number("status_id", 1);
    }
    times(w, e.wall_time_ns);
    w.plain_text("type_name", activity.type_name);
    w.number("type_uid", static_cast<std::uint64_t>(network_activity_class * 100 + activity.id));
    w.object("unmapped");
    if (!raw.empty())
        raw.write(w, "raw");
    write_extension(w, e, ExtensionFor::Ocsf, nullptr);
    w.end_object();
    w.end_object();
    w.raw("\n");
}

namespace {

// What a Base Event about the trace itself says: the activity by name, the
// line's summary, its severity and status members, and its own fields.
struct OcsfNotice {
    std::string_view activity_name;
    std::string message;
    std::optional<std::uint64_t> sequence;
    std::string_view severity_and_status; // JSON members
    std::string_view action;              // unmapped.trace_listen.action
    std::int64_t wall_time_ns = 0;
};

// A Base Event (class 0) with activity "Other" (99): no OCSF class describes
// a tracer's lost records or a tamper-evident log's checkpoint.
template <typename Fields>
void write_ocsf_notice(std::string &out, const OcsfNotice &n, Fields fields)
{
    JsonWriter w(out);
    w.begin_object();
    w.number("activity_id", 99);
    w.text("activity_name", n.activity_name);
    w.members(R"("category_name":"Uncategorized","category_uid":0,"class_name":"Base Event","class_uid":0)");
    w.fragment("device", reporter_json().ocsf_device);
    w.text("message", n.message);
    metadata(w, n.sequence, R"(["host","datetime"])");
    w.members(n.severity_and_status);
    times(w, n.wall_time_ns);
    w.number("type_uid", 99);
    w.object("unmapped");
    w.object("trace_listen");
    w.text("action", n.action);
    fields(w);
    w.end_object();
    w.end_object();
    w.end_object();
    w.raw("\n");
}

} // namespace

void write_ocsf_drops(std::string &out, const DropReport &r)
{
    write_ocsf_notice(out,
                      {"Events Dropped", "events dropped", r.sequence,
                       R"("severity":"Medium","severity_id":3,"status":"Other","status_id":99)",
                       "events-dropped", r.wall_time_ns},
                      [&](JsonWriter &w) { write_drop_counts(w, r); });
}

void write_ocsf_chain_head(std::string &out, const ChainHeadNotice &n)
{
    write_ocsf_notice(out,
                      {"Record Sealed", "record sealed: chain head " + n.head, std::nullopt,
                       R"("severity":"Informational","severity_id":1,"status":"Success","status_id":1)",
                       "record-sealed", n.wall_time_ns},
                      [&](JsonWriter &w) { write_chain_head_fields(w, n); });
}

} // namespace tl
