#include "format/ecs_document.hpp"

#include <netinet/in.h>

#include "pipeline/event_decode.hpp"
#include "host/host_metadata.hpp"
#include "pipeline/event_text.hpp"
#include "util/service_names.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

using nlohmann::json;

void set_valid_text(json &doc, std::initializer_list<const char *> path, std::string_view text,
                    std::initializer_list<const char *> raw_at)
{
    bool replaced = false;
    json *node = &doc;
    std::string dotted;
    for (const char *key : path) {
        node = &(*node)[key];
        dotted += (dotted.empty() ? "" : ".") + std::string(key);
    }
    *node = to_valid_utf8(text, &replaced);
    if (!replaced)
        return;
    json *raw = &doc;
    for (const char *key : raw_at)
        raw = &(*raw)[key];
    (*raw)[dotted + "_base64"] = base64_encode(text);
}

void set_text(json &doc, std::initializer_list<const char *> path, std::string_view text)
{
    set_valid_text(doc, path, text, {"trace_listen", "raw"});
}

namespace {

std::string_view event_type(const Event &e)
{
    switch (e.kind) {
    case EventKind::Listen: return "start";
    case EventKind::Close: return "end";
    case EventKind::StateChange: return "connection";
    default: return "info";
    }
}

void add_process(json &doc, const Event &e)
{
    const tl_task &t = e.raw.task;
    doc["trace_listen"]["attribution"] = attribution_name(t.flags);
    if (!has_process(e) || (t.flags & TL_TASK_FROM_SOCKET)) {
        // No process is known (kernel-owned, its holder's fds unreadable, or a
        // softirq transition with no recorded owner): no process, user or group
        // fields rather than an empty name and pid 0; what the socket itself
        // tells, nothing forged.
        doc["trace_listen"]["no_process"] = true;
        doc["trace_listen"]["namespaces"] = {{"net", e.raw.sock.netns}};
        if (t.flags & TL_TASK_FROM_SOCKET) {
            doc["user"]["id"] = std::to_string(t.uid);
            doc["trace_listen"]["cgroup_id"] = t.cgroup_id;
        }
        return;
    }
    doc["process"]["pid"] = t.pid;
    doc["process"]["thread"]["id"] = t.tid;
    set_text(doc, {"process", "name"}, c_field(t.comm, sizeof t.comm));
    if (t.ppid) {
        doc["process"]["parent"]["pid"] = t.ppid;
        set_text(doc, {"process", "parent", "name"}, c_field(t.parent_comm, sizeof t.parent_comm));
    }
    std::string exe = process_executable(e);
    if (!exe.empty())
        set_text(doc, {"process", "executable"}, exe);
    auto args = process_args(e);
    if (!args.empty()) {
        json list = json::array();
        bool replaced_any = false;
        for (const auto &a : args) {
            bool replaced = false;
            list.push_back(to_valid_utf8(a, &replaced));
            replaced_any |= replaced;
        }
        doc["process"]["args"] = std::move(list);
        doc["process"]["args_count"] = args.size();
        set_text(doc, {"process", "command_line"}, join_command_line(args));
        if (replaced_any) {
            json raw = json::array();
            for (const auto &a : args)
                raw.push_back(base64_encode(a));
            doc["trace_listen"]["raw"]["process.args_base64"] = std::move(raw);
        }
    }
    if (t.flags & TL_TASK_ARGS_TRUNCATED && !(e.process && !e.process->args.empty()))
        doc["trace_listen"]["truncated"].push_back("process.args");
    doc["user"]["id"] = std::to_string(t.uid);
    doc["group"]["id"] = std::to_string(t.gid);
    if (t.loginuid != UINT32_MAX)
        doc["trace_listen"]["audit"] = {{"login_uid", t.loginuid}, {"session_id", t.sessionid}};

    if (const auto &p = e.process) {
        if (p->start_wall_ns)
            doc["process"]["start"] = rfc3339_utc_ns(p->start_wall_ns);
        if (!p->entity_id.empty())
            doc["process"]["entity_id"] = p->entity_id;
        if (!p->user_name.empty())
            set_text(doc, {"user", "name"}, p->user_name);
        if (!p->group_name.empty())
            set_text(doc, {"group", "name"}, p->group_name);
        if (!p->ancestors.empty()) {
            json chain = json::array();
            for (const auto &a : p->ancestors) {
                json item = {{"pid", a.pid}};
                item["name"] = to_valid_utf8(a.name);
                if (!a.executable.empty())
                    item["executable"] = to_valid_utf8(a.executable);
                chain.push_back(std::move(item));
            }
            doc["trace_listen"]["ancestors"] = std::move(chain);
        }
        doc["trace_listen"]["enrichment"] =
            p->source == EnrichmentSource::Proc ? "proc" : "kernel";
        if (!p->ancestors.empty() && p->ancestors.front().pid == t.ppid &&
            !p->ancestors.front().executable.empty())
            set_text(doc, {"process", "parent", "executable"}, p->ancestors.front().executable);
    } else {
        doc["trace_listen"]["enrichment"] = "kernel";
    }
    // The process was gone before /proc could be read: say which fields are
    // only what the kernel captured (executable basename, cut command line).
    if (t.pid && (!e.process || e.process->source == EnrichmentSource::Kernel)) {
        json kernel_only = json::array();
        if (doc["process"].contains("executable"))
            kernel_only.push_back("process.executable");
        if (doc["process"].contains("args"))
            kernel_only.insert(kernel_only.end(), {"process.args", "process.command_line"});
        doc["trace_listen"]["kernel_only_fields"] = std::move(kernel_only);
    }
    // Snapshot: every other process holding the same socket (forked servers).
    if (!e.extra_holders.empty()) {
        json holders = json::array();
        for (const auto &h : e.extra_holders) {
            json item = {{"pid", h.task.pid}};
            item["name"] = to_valid_utf8(c_field(h.task.comm, sizeof h.task.comm));
            if (h.process && !h.process->executable.empty())
                item["executable"] = to_valid_utf8(h.process->executable);
            if (h.process && !h.process->entity_id.empty())
                item["entity_id"] = h.process->entity_id;
            holders.push_back(std::move(item));
        }
        doc["trace_listen"]["other_holders"] = std::move(holders);
    }
    doc["trace_listen"]["namespaces"] = {{"net", e.raw.sock.netns},
                                         {"pid", t.pidns},
                                         {"mnt", t.mntns}};
    doc["trace_listen"]["cgroup_id"] = t.cgroup_id;
    std::string_view leaf = c_field(t.cgroup_name, sizeof t.cgroup_name);
    if (!leaf.empty())
        set_text(doc, {"trace_listen", "cgroup_name"}, leaf);
}

void add_container(json &doc, const Event &e)
{
    const auto &c = e.container;
    if (!c)
        return;
    if (!c->id.empty()) {
        doc["container"]["id"] = c->id;
        if (!c->runtime.empty())
            doc["container"]["runtime"] = c->runtime;
    }
    if (!c->pod_uid.empty()) {
        doc["orchestrator"]["type"] = "kubernetes";
        doc["orchestrator"]["resource"] = {{"type", "pod"}, {"id", c->pod_uid}};
    }
    if (!c->systemd_unit.empty())
        doc["trace_listen"]["systemd_unit"] = c->systemd_unit;
    if (!c->cgroup_path.empty())
        set_text(doc, {"trace_listen", "cgroup_path"}, c->cgroup_path);
}

void add_network(json &doc, const Event &e)
{
    const tl_sock &s = e.raw.sock;
    doc["network"]["transport"] = transport_name(s.protocol, s.type);
    doc["network"]["type"] = family_name(s.family);
    if (s.protocol)
        doc["network"]["iana_number"] = std::to_string(s.protocol);
    // The local end is the server, except on a connection this host opened.
    const bool outgoing = e.raw.flags & TL_EVENT_ACTIVE_OPEN;
    const char *local = outgoing ? "client" : "server";
    const char *remote = outgoing ? "server" : "client";
    doc[local]["ip"] = address_text(s.family, s.addr);
    doc[local]["port"] = s.port;
    if (e.raw.flags & TL_EVENT_HAS_PEER && s.peer_port) {
        doc[remote]["ip"] = address_text(s.family, s.peer_addr);
        doc[remote]["port"] = s.peer_port;
    }
    if (e.raw.flags & (TL_EVENT_ACTIVE_OPEN | TL_EVENT_PASSIVE_OPEN))
        doc["network"]["direction"] = outgoing ? "egress" : "ingress";

    json &tl = doc["trace_listen"];
    if (s.cookie)
        tl["socket_cookie"] = s.cookie;
    tl["netns"] = s.netns;
    if (e.kind == EventKind::Bind) {
        tl["requested_port"] = s.req_port;
        if (s.req_family == AF_INET || s.req_family == AF_INET6)
            tl["requested_ip"] = address_text(s.req_family, s.req_addr);
    }
    if (has_backlog(e))
        tl["backlog"] = s.backlog;
    if (e.kind == EventKind::Close && (e.raw.flags & TL_EVENT_LIFETIME_KNOWN))
        tl["lifetime_ns"] = e.raw.lifetime_ns;
    if (e.kind == EventKind::StateChange) {
        tl["old_state"] = tcp_state_name(s.old_state);
        tl["new_state"] = tcp_state_name(s.new_state);
    }
    tl["options"] = option_names(s.options);
    if (std::string service = system_service_names().name_of(s.port, transport_name(s.protocol, s.type));
        !service.empty())
        tl["service"] = service;
    tl["exposure"] = exposure_name(exposure_of(s.family, s.addr));
    tl["dual_stack"] = is_dual_stack(s);
    if (s.bound_dev_if)
        tl["bound_device"] = s.bound_dev_if;
    tl["hook"] = hook_name(e.raw.hook);
    if (std::string_view via = via_name(e.raw.via); !via.empty())
        tl["via"] = via;
}

// Who reports: the same on every document, so a SIEM can tell hosts, reboots
// (host.boot.id) and agent restarts (agent.ephemeral_id) apart.
void add_reporter(json &doc)
{
    doc["ecs"]["version"] = "8.11.0";
    const HostMetadata &h = host_metadata();
    set_text(doc, {"host", "name"}, h.hostname);
    set_text(doc, {"host", "hostname"}, h.hostname);
    if (!h.id.empty())
        doc["host"]["id"] = h.id;
    if (!h.boot_id.empty())
        doc["host"]["boot"]["id"] = h.boot_id;
    doc["host"]["architecture"] = h.architecture;
    doc["host"]["os"] = {{"type", "linux"}, {"kernel", h.kernel}};
    if (!h.os_name.empty())
        set_text(doc, {"host", "os", "name"}, h.os_name);
    if (!h.os_version.empty())
        set_text(doc, {"host", "os", "version"}, h.os_version);
    if (!h.os_family.empty())
        set_text(doc, {"host", "os", "family"}, h.os_family);
    const AgentMetadata &a = agent_metadata();
    doc["agent"] = {{"name", a.name}, {"type", a.type}, {"version", a.version}};
    if (!a.id.empty())
        doc["agent"]["id"] = a.id;
    if (!a.ephemeral_id.empty())
        doc["agent"]["ephemeral_id"] = a.ephemeral_id;
}

// A listener is the destination of the connections it will accept: mirror
// server.* so rules written against destination.* match, and list every IP
// in related.ip for pivoting.
// An outgoing connection whose peer is unknown (a damaged or crafted record)
// has no server.*: then no destination.* either.
void add_destination_and_related(json &doc)
{
    json related = json::array();
    if (doc.contains("server")) {
        json server = doc["server"];
        doc["destination"] = {{"ip", server["ip"]}, {"port", server["port"]}};
        related.push_back(server["ip"]);
    }
    if (doc.contains("client") && (related.empty() || doc["client"]["ip"] != related[0]))
        related.push_back(doc["client"]["ip"]);
    doc["related"]["ip"] = std::move(related);
}

} // namespace

json ecs_document(const Event &e)
{
    json doc;
    doc["@timestamp"] = rfc3339_utc_ns(e.wall_time_ns);
    doc["event"] = {{"kind", "event"},
                    {"category", json::array({"network"})},
                    {"type", json::array({event_type(e)})},
                    {"action", event_action(e.kind)},
                    {"outcome", e.raw.error ? "failure" : "success"},
                    {"module", "trace_listen"},
                    {"dataset", "trace_listen"},
                    {"sequence", e.sequence}};
    if (e.raw.error) {
        doc["event"]["type"].push_back("error");
        doc["error"]["code"] = errno_name(e.raw.error);
        if (!e.holder_hint.empty())
            set_text(doc, {"error", "message"}, e.holder_hint);
    }
    add_network(doc, e);
    add_process(doc, e);
    add_container(doc, e);
    add_destination_and_related(doc);
    add_reporter(doc);
    if (e.verdict) {
        doc["trace_listen"]["policy"] = {{"verdict", e.verdict->verdict},
                                         {"rule_id", e.verdict->rule_id},
                                         {"severity", e.verdict->severity}};
    }
    return doc;
}

json drops_by_class(const DropReport &r)
{
    json by_class = json::object();
    for (unsigned c = 0; c < TL_CLASS_COUNT; ++c)
        by_class[std::string(ring_class_name(c))] = r.dropped_by_class[c];
    return by_class;
}

json ecs_drop_document(const DropReport &r)
{
    json doc;
    doc["@timestamp"] = rfc3339_utc_ns(r.wall_time_ns);
    doc["event"] = {{"kind", "metric"},
                    {"category", json::array({"host"})},
                    {"type", json::array({"info"})},
                    {"action", "events-dropped"},
                    {"module", "trace_listen"},
                    {"dataset", "trace_listen"},
                    {"sequence", r.sequence}};
    add_reporter(doc);
    doc["trace_listen"]["drops"] = {{"ringbuf_total", r.total},
                                    {"ringbuf_per_cpu", r.per_cpu},
                                    {"ringbuf_by_class", drops_by_class(r)},
                                    {"userspace_total", r.userspace_dropped},
                                    {"kernel_maps_total", r.kernel_map_dropped}};
    return doc;
}

} // namespace tl
