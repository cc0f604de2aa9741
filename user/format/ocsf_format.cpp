#include "format/ocsf_format.hpp"

#include <netinet/in.h>

#include <cstring>

#include "format/ecs_document.hpp"
#include "pipeline/event_text.hpp"
#include "format/json_format.hpp"
#include "host/host_metadata.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

using nlohmann::json;

namespace {

constexpr int network_activity_class = 4001;
constexpr int network_activity_category = 4;
// The release whose schema the lines are validated against (docs/schema/,
// tests/CMakeLists.txt).  Listen (activity 7) needs 1.3.0, device.boot_uid
// 1.5.0, actor.process.ptid 1.6.0.
constexpr const char *ocsf_version = "1.8.0";

// OCSF os.type_id: 200 is Linux (100 would be Windows).
constexpr int os_type_linux = 200;

struct Activity {
    int id;
    const char *name;
};

// OCSF Network Activity has no "bind": it is Other (99) and keeps its name.
Activity activity_of(EventKind kind)
{
    switch (kind) {
    case EventKind::Listen: return {7, "Listen"};
    case EventKind::Existing: return {7, "Listen"};
    case EventKind::Close: return {2, "Close"};
    case EventKind::StateChange: return {6, "Traffic"};
    case EventKind::Bind: return {99, "Bind"};
    }
    return {0, "Unknown"};
}

// Valid UTF-8 in the field; the original bytes (base64) under unmapped.raw
// when anything had to be replaced.
void set_ocsf_text(json &doc, std::initializer_list<const char *> path, std::string_view text)
{
    set_valid_text(doc, path, text, {"unmapped", "raw"});
}

json device()
{
    const HostMetadata &h = host_metadata();
    json d = {{"type_id", 0}, {"type", "Unknown"}};
    d["hostname"] = to_valid_utf8(h.hostname);
    d["name"] = to_valid_utf8(h.hostname);
    if (!h.id.empty())
        d["uid"] = h.id;
    d["os"] = {{"type_id", os_type_linux}, {"type", "Linux"}, {"name", to_valid_utf8(h.os_name)},
               {"version", to_valid_utf8(h.os_version)}, {"build", to_valid_utf8(h.kernel)}};
    if (!h.boot_id.empty())
        d["boot_uid"] = h.boot_id;
    return d;
}

// Every profile whose attributes a line may carry must be declared:
// `datetime` for the *_dt twins, `container` for actor.process.container.
json metadata(std::uint64_t sequence, json profiles)
{
    const AgentMetadata &a = agent_metadata();
    return {{"version", ocsf_version},
            {"product",
             {{"name", a.name}, {"vendor_name", "trace-listen"}, {"version", a.version}}},
            {"profiles", std::move(profiles)},
            {"sequence", sequence},
            {"log_name", "trace-listen"}};
}

json endpoint(std::uint16_t family, const std::uint8_t (&addr)[16], std::uint16_t port)
{
    return {{"ip", address_text(family, addr)}, {"port", port}};
}

// OCSF connection_info.direction_id (required): a listener, and a connection
// it accepted, face inbound; a connection this host opened is outbound.  A
// bind alone does not say which way its socket will be used.
int direction_id(const Event &e)
{
    constexpr int unknown = 0, inbound = 1, outbound = 2;
    if (e.raw.flags & TL_EVENT_ACTIVE_OPEN)
        return outbound;
    if (e.raw.flags & TL_EVENT_PASSIVE_OPEN)
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

void add_process(json &doc, const Event &e)
{
    const tl_task &t = e.raw.task;
    doc["unmapped"]["trace_listen"]["attribution"] = attribution_name(t.flags);
    if (t.flags & TL_TASK_FROM_SOCKET) {
        doc["actor"]["user"]["uid"] = std::to_string(t.uid);
        return;
    }
    json &p = doc["actor"]["process"];
    p["pid"] = t.pid;
    p["ptid"] = t.tid;
    set_ocsf_text(doc, {"actor", "process", "name"}, c_field(t.comm, sizeof t.comm));
    std::string exe = process_executable(e);
    if (!exe.empty()) {
        std::string_view base = exe;
        if (auto slash = base.rfind('/'); slash != std::string_view::npos)
            base = base.substr(slash + 1);
        set_ocsf_text(doc, {"actor", "process", "file", "name"}, base);
        if (exe.front() == '/')
            set_ocsf_text(doc, {"actor", "process", "file", "path"}, exe);
        p["file"]["type_id"] = 1;
    }
    auto args = process_args(e);
    if (!args.empty())
        set_ocsf_text(doc, {"actor", "process", "cmd_line"}, join_command_line(args));
    p["user"]["uid"] = std::to_string(t.uid);
    if (e.process && !e.process->user_name.empty())
        set_ocsf_text(doc, {"actor", "process", "user", "name"}, e.process->user_name);
    if (e.process && !e.process->entity_id.empty())
        p["uid"] = e.process->entity_id;
    if (e.process && e.process->start_wall_ns)
        p["created_time"] = e.process->start_wall_ns / 1'000'000;
    if (t.ppid) {
        p["parent_process"]["pid"] = t.ppid;
        set_ocsf_text(doc, {"actor", "process", "parent_process", "name"},
                 c_field(t.parent_comm, sizeof t.parent_comm));
    }
    // Network Activity has no top-level container; the container profile
    // puts it on the process.
    if (e.container && !e.container->id.empty()) {
        p["container"]["uid"] = e.container->id;
        if (!e.container->runtime.empty())
            p["container"]["runtime"] = e.container->runtime;
    }
}

void add_unmapped(json &doc, const Event &e)
{
    const tl_sock &s = e.raw.sock;
    json &u = doc["unmapped"]["trace_listen"];
    u["action"] = event_action(e.kind);
    if (s.cookie)
        u["socket_cookie"] = s.cookie;
    u["netns"] = s.netns;
    u["exposure"] = exposure_name(exposure_of(s.family, s.addr));
    u["dual_stack"] = is_dual_stack(s);
    u["options"] = option_names(s.options);
    u["hook"] = hook_name(e.raw.hook);
    if (std::string_view via = via_name(e.raw.via); !via.empty())
        u["via"] = via;
    u["cgroup_id"] = e.raw.task.cgroup_id;
    if (e.kind == EventKind::Bind)
        u["requested_port"] = s.req_port;
    if (has_backlog(e))
        u["backlog"] = s.backlog;
    if (e.kind == EventKind::Close && (e.raw.flags & TL_EVENT_LIFETIME_KNOWN))
        u["lifetime_ns"] = e.raw.lifetime_ns;
    if (e.kind == EventKind::StateChange) {
        u["old_state"] = tcp_state_name(s.old_state);
        u["new_state"] = tcp_state_name(s.new_state);
    }
    if (e.verdict)
        u["policy"] = {{"verdict", e.verdict->verdict},
                       {"rule_id", e.verdict->rule_id},
                       {"severity", e.verdict->severity}};
}

} // namespace

json ocsf_document(const Event &e)
{
    const tl_sock &s = e.raw.sock;
    Activity activity = activity_of(e.kind);
    json doc;
    doc["class_uid"] = network_activity_class;
    doc["class_name"] = "Network Activity";
    doc["category_uid"] = network_activity_category;
    doc["category_name"] = "Network Activity";
    doc["activity_id"] = activity.id;
    doc["activity_name"] = activity.name;
    doc["type_uid"] = network_activity_class * 100 + activity.id;
    doc["type_name"] = std::string("Network Activity: ") + activity.name;
    doc["time"] = e.wall_time_ns / 1'000'000;
    doc["time_dt"] = rfc3339_utc_ns(e.wall_time_ns);
    doc["severity_id"] = e.raw.error ? 2 : 1;
    doc["severity"] = e.raw.error ? "Low" : "Informational";
    if (e.raw.error) {
        doc["status_id"] = 2;
        doc["status"] = "Failure";
        doc["status_code"] = errno_name(e.raw.error);
        std::string detail = std::strerror(e.raw.error);
        if (!e.holder_hint.empty())
            detail += "; " + e.holder_hint;
        set_ocsf_text(doc, {"status_detail"}, detail);
    } else {
        doc["status_id"] = 1;
        doc["status"] = "Success";
    }
    doc["message"] = std::string(event_action(e.kind));
    doc["metadata"] = metadata(e.sequence, json::array({"host", "container", "datetime"}));
    doc["device"] = device();
    // OCSF's src is the initiator: the peer of a listener or of an accepted
    // connection, the local end of a connection this host opened.
    const bool outgoing = e.raw.flags & TL_EVENT_ACTIVE_OPEN;
    doc[outgoing ? "src_endpoint" : "dst_endpoint"] = endpoint(s.family, s.addr, s.port);
    if (e.raw.flags & TL_EVENT_HAS_PEER && s.peer_port)
        doc[outgoing ? "dst_endpoint" : "src_endpoint"] =
            endpoint(s.family, s.peer_addr, s.peer_port);
    doc["connection_info"] = {{"direction_id", direction_id(e)},
                              {"protocol_name", transport_name(s.protocol, s.type)},
                              {"protocol_num", s.protocol},
                              {"protocol_ver_id", s.family == AF_INET6 ? 6 : 4}};
    if (has_process(e)) // no actor.process for a socket no visible process holds
        add_process(doc, e);
    else
        doc["unmapped"]["trace_listen"]["no_process"] = true;
    add_unmapped(doc, e);
    return doc;
}

json ocsf_drop_document(const DropReport &r)
{
    json doc;
    doc["class_uid"] = 0;
    doc["class_name"] = "Base Event";
    doc["category_uid"] = 0;
    doc["category_name"] = "Uncategorized";
    doc["activity_id"] = 99;
    doc["activity_name"] = "Events Dropped";
    doc["type_uid"] = 99;
    doc["time"] = r.wall_time_ns / 1'000'000;
    doc["time_dt"] = rfc3339_utc_ns(r.wall_time_ns);
    doc["severity_id"] = 3;
    doc["severity"] = "Medium";
    doc["status_id"] = 99;
    doc["status"] = "Other";
    doc["message"] = "events dropped";
    doc["metadata"] = metadata(r.sequence, json::array({"host", "datetime"}));
    doc["device"] = device();
    doc["unmapped"]["trace_listen"] = {{"action", "events-dropped"},
                                       {"drops",
                                        {{"ringbuf_total", r.total},
                                         {"ringbuf_per_cpu", r.per_cpu},
                                         {"ringbuf_by_class", drops_by_class(r)},
                                         {"userspace_total", r.userspace_dropped},
                                         {"kernel_maps_total", r.kernel_map_dropped}}}};
    return doc;
}

std::string OcsfFormat::event(const Event &event) const { return json_line(ocsf_document(event)); }
std::string OcsfFormat::drops(const DropReport &report) const
{
    return json_line(ocsf_drop_document(report));
}

} // namespace tl
