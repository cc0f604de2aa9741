#include "format/json_fields.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "format/time_text.hpp"
#include "pipeline/event_text.hpp"
#include "host/host_metadata.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/event_model.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

namespace tl {

namespace {

// The capture without its trailing NULs.
std::string_view captured_args(const TaskModel &t)
{
    std::string_view args = task_args(t);
    while (!args.empty() && args.back() == '\0')
        args.remove_suffix(1);
    return args;
}

} // namespace

ArgList::ArgList(const Event &event)
{
    if (event.process && !event.process->args.empty()) {
        list_ = &event.process->args;
        if (event.process->valid.checked) {
            invalid_ = !event.process->valid.args;
            return;
        }
        for (const auto &a : *list_)
            invalid_ = invalid_ || !is_valid_utf8(a);
        return;
    }
    captured_ = captured_args(event.model.task);
    invalid_ = model_of(event).task.checks.args_invalid;
}

ArgList::ArgList(const TaskModel &task) : captured_(captured_args(task))
{
    invalid_ = !is_valid_utf8(captured_);
}

bool ArgList::any(const Event &event)
{
    if (event.process && !event.process->args.empty())
        return true;
    return !captured_args(event.model.task).empty();
}

std::string ArgList::joined() const
{
    std::string line;
    bool first = true;
    for_each([&](std::string_view a) {
        if (!first)
            line += ' ';
        first = false;
        line += a;
    });
    return line;
}

void RawOriginals::add_entry(Entry entry)
{
    if (count_ < slots_.entries.size())
        slots_.entries[count_++] = entry;
}

std::string_view RawOriginals::keep(std::string bytes)
{
    if (kept_count_ == kept_.size())
        return {};
    kept_[kept_count_] = std::move(bytes);
    return kept_[kept_count_++];
}

void RawOriginals::write(JsonWriter &w, std::string_view name)
{
    std::sort(slots_.entries.begin(), slots_.entries.begin() + static_cast<std::ptrdiff_t>(count_),
              [](const Entry &a, const Entry &b) { return a.key < b.key; });
    w.object(name);
    for (std::size_t i = 0; i < count_; ++i) {
        const Entry &e = slots_.entries[i];
        if (e.args) {
            w.array(e.key);
            e.args->for_each([&](std::string_view a) { w.string(base64_encode(a)); });
            w.end_array();
        } else {
            w.text(e.key, base64_encode(e.bytes));
        }
    }
    w.end_object();
}

bool check_text(RawOriginals &raw, std::string_view key, std::string_view text)
{
    if (is_valid_utf8(text))
        return true;
    raw.add(key, text);
    return false;
}

namespace {

// `text` as a quoted JSON string.
std::string quoted_json(std::string_view text)
{
    std::string out;
    append_json_string(out, text);
    return out;
}

// The arguments `for_each` visits, escaped while joined (no joined copy).
template <typename ForEach> ArgsJson render_args(ForEach for_each)
{
    ArgsJson j;
    {
        JsonWriter w(j.array);
        w.begin_array();
        for_each([&](std::string_view a) {
            w.string(a);
            ++j.count;
        });
        w.end_array();
    }
    j.command_line = '"';
    bool first = true;
    for_each([&](std::string_view a) {
        if (!first)
            j.command_line += ' ';
        first = false;
        append_json_text(j.command_line, a);
    });
    j.command_line += '"';
    return j;
}

ProcessJson render_process_json(const ProcessDetails &p)
{
    ProcessJson j;
    j.args = render_args([&](auto visit) {
        for (const auto &a : p.args)
            visit(std::string_view(a));
    });
    j.entity_id = quoted_json(p.entity_id);
    j.executable = quoted_json(p.executable);
    j.group_name = quoted_json(p.group_name);
    j.user_name = quoted_json(p.user_name);
    if (!p.ancestors.empty())
        j.parent_executable = quoted_json(p.ancestors.front().executable);
    if (p.start_wall_ns) {
        j.start = '"';
        append_rfc3339_utc(j.start, p.start_wall_ns);
        j.start += '"';
    }
    if (!p.ancestors.empty()) {
        JsonWriter w(j.ancestors);
        w.begin_array();
        for (const auto &a : p.ancestors) {
            w.begin_object();
            if (!a.executable.empty())
                w.text("executable", a.executable);
            w.text("name", a.name);
            w.number("pid", a.pid);
            w.end_object();
        }
        w.end_array();
    }
    return j;
}

ReporterJson make_reporter_json()
{
    const HostMetadata &h = host_metadata();
    const AgentMetadata &a = agent_metadata();
    ReporterJson r;
    {
        JsonWriter w(r.ecs_agent);
        w.begin_object();
        if (!a.ephemeral_id.empty())
            w.text("ephemeral_id", a.ephemeral_id);
        if (!a.id.empty())
            w.text("id", a.id);
        w.text("name", a.name);
        w.text("type", a.type);
        w.text("version", a.version);
        w.end_object();
    }
    auto keep_raw = [&](std::string_view key, const std::string &text) {
        if (!is_valid_utf8(text))
            r.ecs_host_raw.emplace_back(key, text);
    };
    {
        JsonWriter w(r.ecs_host);
        w.begin_object();
        w.text("architecture", h.architecture);
        if (!h.boot_id.empty()) {
            w.object("boot");
            w.text("id", h.boot_id);
            w.end_object();
        }
        w.text("hostname", h.hostname);
        keep_raw("host.hostname_base64", h.hostname);
        if (!h.id.empty())
            w.text("id", h.id);
        w.text("name", h.hostname);
        keep_raw("host.name_base64", h.hostname);
        w.object("os");
        if (!h.os_family.empty()) {
            w.text("family", h.os_family);
            keep_raw("host.os.family_base64", h.os_family);
        }
        w.text("kernel", h.kernel);
        if (!h.os_name.empty()) {
            w.text("name", h.os_name);
            keep_raw("host.os.name_base64", h.os_name);
        }
        w.text("type", "linux");
        if (!h.os_version.empty()) {
            w.text("version", h.os_version);
            keep_raw("host.os.version_base64", h.os_version);
        }
        w.end_object();
        w.end_object();
    }
    {
        JsonWriter w(r.ocsf_device);
        w.begin_object();
        if (!h.boot_id.empty())
            w.text("boot_uid", h.boot_id);
        w.text("hostname", h.hostname);
        w.text("name", h.hostname);
        w.object("os");
        w.text("build", h.kernel);
        w.text("name", h.os_name);
        w.text("type", "Linux");
        w.number("type_id", 200); // OCSF os.type_id: 200 is Linux (100 would be Windows)
        w.text("version", h.os_version);
        w.end_object();
        w.text("type", "Unknown");
        w.number("type_id", 0);
        if (!h.id.empty())
            w.text("uid", h.id);
        w.end_object();
    }
    {
        JsonWriter w(r.ocsf_metadata_head);
        w.begin_object();
        w.text("log_name", "trace-listen");
        w.object("product");
        w.text("name", a.name);
        w.text("vendor_name", "trace-listen");
        w.text("version", a.version);
        w.end_object();
        w.key("profiles");
    }
    return r;
}

bool no_process(const Event &e)
{
    return !has_process(e) || (e.model.task.flags & TL_TASK_FROM_SOCKET);
}

} // namespace

const ProcessJson &process_json(const std::shared_ptr<const ProcessDetails> &process)
{
    // Direct-mapped by address; an entry holds its process, so an address
    // is not reused for another while it is cached here.
    struct Entry {
        std::shared_ptr<const ProcessDetails> process;
        ProcessJson json;
    };
    thread_local std::array<Entry, 64> cache;
    Entry &entry = cache[(reinterpret_cast<std::uintptr_t>(process.get()) >> 6) % cache.size()];
    if (entry.process != process) {
        entry.json = render_process_json(*process);
        entry.process = process;
    }
    return entry.json;
}

const TaskJson &task_json(const TaskModel &task)
{
    // The key is every byte of those texts (names and captured arguments).
    const std::string_view key = task_texts(task);
    thread_local std::string cached_key;
    thread_local TaskJson json;
    if (cached_key.size() == key.size() && std::memcmp(cached_key.data(), key.data(), key.size()) == 0)
        return json;
    cached_key.clear(); // not a key of what json holds until it is rendered whole
    json.comm = quoted_json(c_field(task.comm, sizeof task.comm));
    json.parent_comm = quoted_json(c_field(task.parent_comm, sizeof task.parent_comm));
    json.exe = quoted_json(c_field(task.exe, sizeof task.exe));
    json.cgroup_name = quoted_json(c_field(task.cgroup_name, sizeof task.cgroup_name));
    const ArgList args(task);
    json.args = render_args([&](auto visit) { args.for_each(visit); });
    cached_key.assign(key);
    return json;
}

const ReporterJson &reporter_json()
{
    static const ReporterJson r = make_reporter_json();
    return r;
}

void write_extension(JsonWriter &w, const Event &e, ExtensionFor schema, RawOriginals *raw,
                     RenderedTexts rendered)
{
    const bool ecs = schema == ExtensionFor::Ecs;
    const EventModel &m = model_of(e);
    const SocketModel &s = m.socket;
    const TaskModel &t = m.task;
    const ProcessDetails *p = e.process.get();
    const ContainerDetails *c = e.container.get();
    // ECS: no process fields for a socket without a process, or when the
    // kernel could only name the socket; OCSF: only the former.
    const bool without_process = ecs ? no_process(e) : !has_process(e);
    const bool with_process = !without_process;

    w.object("trace_listen");
    if (!ecs)
        w.plain_text("action", event_action(e.kind));
    if (ecs && with_process && p && !p->ancestors.empty())
        w.fragment("ancestors", (rendered.process ? *rendered.process : process_json(e.process)).ancestors);
    if (ecs || with_process)
        w.plain_text("attribution", attribution_name(t.flags));
    if (ecs && with_process && t.loginuid != UINT32_MAX) {
        w.object("audit");
        w.number("login_uid", t.loginuid);
        w.number("session_id", t.sessionid);
        w.end_object();
    }
    if (has_backlog(e))
        w.number("backlog", s.backlog);
    if (ecs && s.bound_dev_if)
        w.number("bound_device", s.bound_dev_if);
    if (!ecs || with_process || (t.flags & TL_TASK_FROM_SOCKET))
        w.number("cgroup_id", t.cgroup_id);
    if (ecs && with_process) {
        std::string_view leaf = c_field(t.cgroup_name, sizeof t.cgroup_name);
        if (!leaf.empty()) {
            w.fragment("cgroup_name", (rendered.task ? *rendered.task : task_json(t)).cgroup_name);
            if (t.checks.cgroup_name_invalid && raw)
                raw->add("trace_listen.cgroup_name_base64", leaf);
        }
    }
    if (ecs && c && !c->cgroup_path.empty())
        w.text("cgroup_path", c->cgroup_path); // original, if needed, added by the caller
    w.boolean("dual_stack", s.dual_stack);
    if (ecs && with_process)
        w.plain_text("enrichment", p && p->source == EnrichmentSource::Proc ? "proc" : "kernel");
    w.plain_text("exposure", exposure_name(s.exposure));
    w.plain_text("hook", m.hook);
    if (ecs && with_process && t.pid && (!p || p->source == EnrichmentSource::Kernel)) {
        // The process was gone before /proc could be read: say which fields
        // are only what the kernel captured.
        w.array("kernel_only_fields");
        std::string_view exe = p && !p->executable.empty() ? std::string_view(p->executable)
                                                           : c_field(t.exe, sizeof t.exe);
        if (!exe.empty())
            w.plain_string("process.executable");
        if (ArgList::any(e)) {
            w.plain_string("process.args");
            w.plain_string("process.command_line");
        }
        w.end_array();
    }
    if (e.kind == EventKind::Close && e.model.lifetime_known)
        w.number("lifetime_ns", e.model.lifetime_ns);
    if (ecs) {
        w.object("namespaces");
        if (with_process)
            w.number("mnt", t.mntns);
        w.number("net", s.netns);
        if (with_process)
            w.number("pid", t.pidns);
        w.end_object();
    }
    w.number("netns", s.netns);
    if (e.kind == EventKind::StateChange)
        w.text("new_state", tcp_state_name(s.new_state));
    if (without_process)
        w.boolean("no_process", true);
    if (e.kind == EventKind::StateChange)
        w.text("old_state", tcp_state_name(s.old_state));
    w.array("options");
    for_each_option_name(s.options, [&](std::string_view name) { w.plain_string(name); });
    w.end_array();
    if (ecs && with_process && !e.extra_holders.empty()) {
        // Snapshot: every other process holding the same socket (forked servers).
        w.array("other_holders");
        for (const auto &h : e.extra_holders) {
            w.begin_object();
            if (h.process && !h.process->entity_id.empty())
                w.text("entity_id", h.process->entity_id);
            if (h.process && !h.process->executable.empty())
                w.text("executable", h.process->executable);
            w.text("name", c_field(h.task.comm, sizeof h.task.comm));
            w.number("pid", h.task.pid);
            w.end_object();
        }
        w.end_array();
    }
    if (e.verdict) {
        w.object("policy");
        w.text("rule_id", e.verdict->rule_id);
        w.text("severity", e.verdict->severity);
        w.text("verdict", e.verdict->verdict);
        w.end_object();
    }
    if (ecs && raw && !raw->empty())
        raw->write(w, "raw");
    if (ecs && e.kind == EventKind::Bind && s.requested_ip_known)
        w.plain_text("requested_ip", s.requested.text());
    if (e.kind == EventKind::Bind)
        w.number("requested_port", s.requested_port);
    if (ecs && !s.service.empty())
        w.text("service", s.service);
    if (s.cookie)
        w.number("socket_cookie", s.cookie);
    if (ecs && c && !c->systemd_unit.empty())
        w.text("systemd_unit", c->systemd_unit);
    if (ecs && with_process && (t.flags & TL_TASK_ARGS_TRUNCATED) && !(p && !p->args.empty())) {
        w.array("truncated");
        w.string("process.args");
        w.end_array();
    }
    if (!m.via.empty())
        w.plain_text("via", m.via);
    w.end_object();
}

void write_drop_counts(JsonWriter &w, const DropReport &r)
{
    w.object("drops");
    w.number("kernel_maps_total", r.kernel_map_dropped);
    w.object("ringbuf_by_class");
    w.number("priority", r.dropped_by_class[TL_CLASS_PRIORITY]);
    w.number("routine", r.dropped_by_class[TL_CLASS_ROUTINE]);
    w.end_object();
    w.array("ringbuf_per_cpu");
    for (auto n : r.per_cpu)
        w.number(n);
    w.end_array();
    w.number("ringbuf_total", r.total);
    w.number("userspace_total", r.userspace_dropped);
    w.end_object();
}

void write_chain_head_fields(JsonWriter &w, const ChainHeadNotice &n)
{
    w.object("record");
    w.text("file", n.file);
    w.number("file_index", n.file_index);
    w.number("frame", n.frame);
    w.text("head", n.head);
    w.number("offset", n.offset);
    w.number("records", n.records);
    w.text("seal_reason", n.reason);
    w.end_object();
}

} // namespace tl
