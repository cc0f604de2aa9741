#include "format/ecs_document.hpp"

#include <array>
#include <iterator>

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

std::string_view event_type(EventKind kind)
{
    switch (kind) {
    case EventKind::Listen: return "start";
    case EventKind::Close: return "end";
    case EventKind::StateChange: return "connection";
    default: return "info";
    }
}

// event.* but its sequence, serialised once per (kind, failed): the head
// up to "outcome" (opening the object), and "type".
struct EventMembers {
    std::string head, type;
};

const EventMembers &event_members_of(EventKind kind, bool failed)
{
    constexpr EventKind kinds[] = {EventKind::Bind, EventKind::Listen, EventKind::Close, EventKind::StateChange,
                                   EventKind::Existing};
    static const auto table = [&] {
        std::array<std::array<EventMembers, 2>, std::size(kinds)> t;
        for (EventKind k : kinds) {
            for (bool f : {false, true}) {
                EventMembers &m = t[static_cast<std::size_t>(k)][f];
                {
                    JsonWriter w(m.head);
                    w.object("event");
                    w.plain_text("action", event_action(k));
                    w.members(R"("category":["network"],"dataset":"trace_listen","kind":"event","module":"trace_listen")");
                    w.plain_text("outcome", f ? "failure" : "success");
                }
                JsonWriter w(m.type);
                w.array("type");
                w.plain_string(event_type(k));
                if (f)
                    w.plain_string("error");
                w.end_array();
            }
        }
        return t;
    }();
    return table[static_cast<std::size_t>(kind)][failed];
}

void endpoint(JsonWriter &w, std::string_view name, const IpAddress &ip, std::uint16_t port)
{
    w.ip_port(name, ip.text(), port);
}

void add_host_raw(RawOriginals &raw)
{
    for (const auto &[key, bytes] : reporter_json().ecs_host_raw)
        raw.add(key, std::string_view(bytes));
}

} // namespace

void write_ecs_event(std::string &out, const Event &e)
{
    const EventModel &m = model_of(e);
    const SocketModel &s = m.socket;
    const TaskModel &t = m.task;
    const ProcessDetails *p = e.process.get();
    const ContainerDetails *c = e.container.get();
    const ReporterJson &reporter = reporter_json();
    const bool with_process = has_process(e) && !(t.flags & TL_TASK_FROM_SOCKET);

    // The local end is the server, except on a connection this host opened.
    const bool has_server = !s.outgoing || s.peer_known;
    const bool has_client = s.outgoing || s.peer_known;
    const IpAddress &server_ip = s.outgoing ? s.peer : s.local;
    const std::uint16_t server_port = s.outgoing ? s.peer_port : s.port;
    const IpAddress &client_ip = s.outgoing ? s.local : s.peer;
    const std::uint16_t client_port = s.outgoing ? s.port : s.peer_port;

    // Texts a process chose; the originals of those that are not valid
    // UTF-8 go under trace_listen.raw, which is written before some of them.
    RawOriginals raw;
    const std::string_view comm = c_field(t.comm, sizeof t.comm);
    const std::string_view parent_comm = c_field(t.parent_comm, sizeof t.parent_comm);
    const bool exe_from_proc = p && !p->executable.empty();
    const std::string_view exe = exe_from_proc ? std::string_view(p->executable) : c_field(t.exe, sizeof t.exe);
    const ArgList args(e);
    const Ancestor *parent = p && !p->ancestors.empty() && p->ancestors.front().pid == t.ppid &&
                                     !p->ancestors.front().executable.empty()
                                 ? &p->ancestors.front()
                                 : nullptr;
    if (e.model.error && !e.holder_hint.empty())
        check_text(raw, "error.message_base64", e.holder_hint);
    if (with_process) {
        if (p && !p->group_name.empty())
            check_text(raw, "group.name_base64", p->group_name, p->valid.checked, p->valid.group_name);
        if (m.task.checks.comm_invalid)
            raw.add("process.name_base64", comm);
        if (t.ppid && m.task.checks.parent_comm_invalid)
            raw.add("process.parent.name_base64", parent_comm);
        if (!exe.empty()) {
            if (exe_from_proc)
                check_text(raw, "process.executable_base64", exe, p->valid.checked, p->valid.executable);
            else if (m.task.checks.exe_invalid)
                raw.add("process.executable_base64", exe);
        }
        if (!args.empty() && args.any_invalid()) {
            raw.add_args("process.args_base64", args);
            raw.add("process.command_line_base64", args.joined());
        }
        if (parent)
            check_text(raw, "process.parent.executable_base64", parent->executable, p->valid.checked,
                       p->valid.parent_executable);
        if (p && !p->user_name.empty())
            check_text(raw, "user.name_base64", p->user_name, p->valid.checked, p->valid.user_name);
    }
    if (c && !c->cgroup_path.empty())
        check_text(raw, "trace_listen.cgroup_path_base64", c->cgroup_path, c->valid.checked, c->valid.cgroup_path);
    add_host_raw(raw);

    // The process's texts, rendered once per process.
    const ProcessJson *pj = p ? &process_json(e.process) : nullptr;
    // The kernel's texts of the task, rendered again only when they change.
    const TaskJson *tj = with_process ? &task_json(t) : nullptr;

    JsonWriter w(out);
    w.begin_object();
    w.timestamp("@timestamp", e.wall_time_ns);
    w.fragment("agent", reporter.ecs_agent);
    if (has_client)
        endpoint(w, "client", client_ip, client_port);
    if (c && !c->id.empty()) {
        w.object("container");
        w.text("id", c->id);
        if (!c->runtime.empty())
            w.text("runtime", c->runtime);
        w.end_object();
    }
    // A listener is the destination of the connections it will accept:
    // server.* mirrored so rules written against destination.* match.
    if (has_server)
        endpoint(w, "destination", server_ip, server_port);
    w.fragment("ecs", R"({"version":"8.11.0"})");
    if (e.model.error) {
        w.object("error");
        w.plain_text("code", errno_name(e.model.error));
        if (!e.holder_hint.empty())
            w.text("message", e.holder_hint);
        w.end_object();
    }
    const EventMembers &event_members = event_members_of(e.kind, e.model.error != 0);
    w.members(event_members.head); // opens "event"
    w.number("sequence", e.sequence);
    w.members(event_members.type);
    w.end_object();
    if (with_process) {
        w.object("group");
        w.quoted_decimal("id", t.gid);
        if (p && !p->group_name.empty())
            w.fragment("name", pj->group_name);
        w.end_object();
    }
    w.fragment("host", reporter.ecs_host);
    w.object("network");
    if (s.outgoing || s.accepted)
        w.plain_text("direction", s.outgoing ? "egress" : "ingress");
    if (s.protocol) {
        w.quoted_decimal("iana_number", s.protocol);
    }
    w.plain_text("transport", s.transport);
    w.plain_text("type", s.family_name);
    w.end_object();
    if (c && !c->pod_uid.empty()) {
        w.object("orchestrator");
        w.object("resource");
        w.text("id", c->pod_uid);
        w.text("type", "pod");
        w.end_object();
        w.text("type", "kubernetes");
        w.end_object();
    }
    if (with_process) {
        w.object("process");
        if (!args.empty()) {
            const ArgsJson &a = args.from_process() ? pj->args : tj->args;
            w.fragment("args", a.array);
            w.number("args_count", a.count);
            w.fragment("command_line", a.command_line);
        }
        if (p && !p->entity_id.empty())
            w.fragment("entity_id", pj->entity_id);
        if (exe_from_proc)
            w.fragment("executable", pj->executable);
        else if (!exe.empty())
            w.fragment("executable", tj->exe);
        w.fragment("name", tj->comm);
        if (t.ppid || parent) {
            w.object("parent");
            if (parent)
                w.fragment("executable", pj->parent_executable);
            if (t.ppid) {
                w.fragment("name", tj->parent_comm);
                w.number("pid", t.ppid);
            }
            w.end_object();
        }
        w.number("pid", t.pid);
        if (p && p->start_wall_ns)
            w.fragment("start", pj->start);
        w.object("thread");
        w.number("id", t.tid);
        w.end_object();
        w.end_object();
    }
    // Every IP for pivoting.
    w.object("related");
    w.array("ip");
    if (has_server)
        w.plain_string(server_ip.text());
    if (has_client && (!has_server || !client_ip.same_as(server_ip)))
        w.plain_string(client_ip.text());
    w.end_array();
    w.end_object();
    if (has_server)
        endpoint(w, "server", server_ip, server_port);
    write_extension(w, e, ExtensionFor::Ecs, &raw, {pj, tj});
    if (with_process || (t.flags & TL_TASK_FROM_SOCKET)) {
        w.object("user");
        w.quoted_decimal("id", t.uid);
        if (with_process && p && !p->user_name.empty())
            w.fragment("name", pj->user_name);
        w.end_object();
    }
    w.end_object();
    w.raw("\n");
}

namespace {

// A record about the trace itself (a drop report, a record's seal): the
// head, host and raw host names every such line has; `event`, what goes
// between event and host, and trace_listen.* come from the caller.
template <typename EventMembers, typename Between, typename Fields>
void write_ecs_notice(std::string &out, std::int64_t wall_ns, EventMembers event, Between between,
                      Fields fields)
{
    const ReporterJson &reporter = reporter_json();
    JsonWriter w(out);
    w.begin_object();
    w.timestamp("@timestamp", wall_ns);
    w.fragment("agent", reporter.ecs_agent);
    w.fragment("ecs", R"({"version":"8.11.0"})");
    w.object("event");
    event(w);
    w.end_object();
    between(w);
    w.fragment("host", reporter.ecs_host);
    w.object("trace_listen");
    fields(w);
    RawOriginals raw;
    add_host_raw(raw);
    if (!raw.empty())
        raw.write(w, "raw");
    w.end_object();
    w.end_object();
    w.raw("\n");
}

} // namespace

void write_ecs_drops(std::string &out, const DropReport &r)
{
    write_ecs_notice(
        out, r.wall_time_ns,
        [&](JsonWriter &w) {
            w.members(R"("action":"events-dropped","category":["host"],"dataset":"trace_listen","kind":"metric","module":"trace_listen")");
            w.number("sequence", r.sequence);
            w.members(R"("type":["info"])");
        },
        [](JsonWriter &) {}, [&](JsonWriter &w) { write_drop_counts(w, r); });
}

// The state of a record file as its writer sealed it: kind "state" (a
// periodic snapshot of an entity's state, in ECS's words), category "file".
void write_ecs_chain_head(std::string &out, const ChainHeadNotice &n)
{
    write_ecs_notice(
        out, n.wall_time_ns,
        [](JsonWriter &w) {
            w.members(R"("action":"record-sealed","category":["file"],"dataset":"trace_listen","kind":"state","module":"trace_listen","type":["info"])");
        },
        [&](JsonWriter &w) {
            w.object("file");
            w.text("path", n.file);
            w.end_object();
        },
        [&](JsonWriter &w) { write_chain_head_fields(w, n); });
}
} // namespace tl
