#include "record/record_codec.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "pipeline/event_decode.hpp"
#include "format/ecs_document.hpp"

namespace tl::record {

using nlohmann::json;

namespace {

constexpr std::size_t max_holders = 4096;

std::string read_first_line(const char *path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

EventKind kind_from_name(const std::string &name)
{
    for (EventKind k : {EventKind::Bind, EventKind::Listen, EventKind::Close,
                        EventKind::StateChange, EventKind::Existing})
        if (event_kind_name(k) == name)
            return k;
    throw std::runtime_error(fmt::format("unknown event kind '{}'", name));
}

json process_json(const ProcessDetails &p)
{
    json ancestors = json::array();
    for (auto &a : p.ancestors)
        ancestors.push_back({{"pid", a.pid}, {"name", a.name}, {"executable", a.executable}});
    // Names and arguments are arbitrary bytes: json::dump(replace) below keeps
    // the record writable; the ECS copy carries the exact bytes in base64.
    return {{"executable", p.executable},
            {"args", p.args},
            {"user_name", p.user_name},
            {"group_name", p.group_name},
            {"start_wall_ns", p.start_wall_ns},
            {"entity_id", p.entity_id},
            {"ancestors", ancestors},
            {"source", p.source == EnrichmentSource::Proc ? "proc" : "kernel"}};
}

std::shared_ptr<const ProcessDetails> process_from(const json &j)
{
    if (!j.is_object())
        return nullptr;
    auto p = std::make_shared<ProcessDetails>();
    p->executable = j.value("executable", "");
    p->args = j.value("args", std::vector<std::string>{});
    p->user_name = j.value("user_name", "");
    p->group_name = j.value("group_name", "");
    p->start_wall_ns = j.value("start_wall_ns", std::int64_t{0});
    p->entity_id = j.value("entity_id", "");
    for (auto &a : j.value("ancestors", json::array()))
        p->ancestors.push_back({a.value("pid", 0u), a.value("name", ""), a.value("executable", "")});
    p->source = j.value("source", "kernel") == "proc" ? EnrichmentSource::Proc
                                                      : EnrichmentSource::Kernel;
    return p;
}

void append_raw(std::string &out, const void *data, std::size_t size)
{
    out.append(static_cast<const char *>(data), size);
}

template <typename T> T take(std::string_view &in, const char *what)
{
    T v{};
    if (in.size() < sizeof v)
        throw std::runtime_error(fmt::format("event payload too short for {}", what));
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
    return v;
}

json parse_json(std::string_view text, const char *what)
{
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        throw std::runtime_error(fmt::format("{} is not a JSON object", what));
    return j;
}

std::string dump(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

} // namespace

std::string_view event_kind_name(EventKind kind)
{
    switch (kind) {
    case EventKind::Bind: return "bind";
    case EventKind::Listen: return "listen";
    case EventKind::Close: return "close";
    case EventKind::StateChange: return "state";
    case EventKind::Existing: return "existing";
    }
    return "unknown";
}

json make_header_fields(const json &hooks, std::int64_t start_wall_ns, std::uint64_t file_index)
{
    utsname u{};
    uname(&u);
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return {{"format", "trace-listen-record"},
            {"version", 1},
            {"tool_version", TRACE_LISTEN_VERSION},
            {"host", host},
            {"boot_id", read_first_line("/proc/sys/kernel/random/boot_id")},
            {"kernel", {{"release", u.release}, {"version", u.version}, {"machine", u.machine}}},
            {"hooks", hooks},
            {"start_time_ns", start_wall_ns},
            {"file_index", file_index},
            {"tl_event_size", sizeof(tl_event)}};
}

std::string encode_header(const RecordHeader &header) { return dump(header.fields); }

std::string encode_event(const Event &e)
{
    std::string out;
    auto raw_size = static_cast<std::uint32_t>(sizeof e.raw);
    append_raw(out, &raw_size, sizeof raw_size);
    append_raw(out, &e.raw, sizeof e.raw);
    auto holders = static_cast<std::uint16_t>(std::min(e.extra_holders.size(), max_holders));
    append_raw(out, &holders, sizeof holders);
    json holder_processes = json::array();
    for (std::size_t i = 0; i < holders; ++i) {
        append_raw(out, &e.extra_holders[i].task, sizeof(tl_task));
        holder_processes.push_back(e.extra_holders[i].process
                                       ? process_json(*e.extra_holders[i].process)
                                       : json(nullptr));
    }
    json j = {{"kind", event_kind_name(e.kind)},
              {"wall_time_ns", e.wall_time_ns},
              {"sequence", e.sequence},
              {"holder_processes", holder_processes},
              {"holder_hint", e.holder_hint}};
    if (e.process)
        j["process"] = process_json(*e.process);
    if (e.container)
        j["container"] = {{"id", e.container->id},
                          {"runtime", e.container->runtime},
                          {"pod_uid", e.container->pod_uid},
                          {"systemd_unit", e.container->systemd_unit},
                          {"cgroup_path", e.container->cgroup_path}};
    if (e.verdict)
        j["verdict"] = {{"verdict", e.verdict->verdict},
                        {"rule_id", e.verdict->rule_id},
                        {"severity", e.verdict->severity}};
    j["ecs"] = ecs_document(e); // the document as a SIEM saw it, for tools that only read JSON
    out += dump(j);
    return out;
}

std::string encode_drops(const DropReport &r)
{
    json j = {{"wall_time_ns", r.wall_time_ns}, {"sequence", r.sequence},
              {"per_cpu", r.per_cpu},           {"total", r.total},
              {"userspace_dropped", r.userspace_dropped},
              {"dropped_by_class", r.dropped_by_class}, {"ecs", ecs_drop_document(r)}};
    return dump(j);
}

RecordHeader decode_header(std::string_view payload)
{
    json j = parse_json(payload, "header");
    // Readers take these without further checks: a wrong type is damage here.
    auto expect = [](const json &obj, const char *key, json::value_t type, const char *what) {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) // null: not known, as when absent
            return;
        bool ok = it->type() == type ||
                  (type == json::value_t::number_unsigned && it->is_number_integer() &&
                   it->get<std::int64_t>() >= 0) ||
                  (type == json::value_t::number_integer && it->is_number_integer());
        if (!ok)
            throw std::runtime_error(
                fmt::format("header field '{}' is {}, not {}", key, it->type_name(), what));
    };
    for (const char *key : {"format", "tool_version", "host", "boot_id"})
        expect(j, key, json::value_t::string, "a string");
    for (const char *key : {"version", "file_index", "tl_event_size"})
        expect(j, key, json::value_t::number_unsigned, "a whole number");
    expect(j, "start_time_ns", json::value_t::number_integer, "a whole number");
    for (const char *key : {"kernel", "hooks"})
        expect(j, key, json::value_t::object, "an object");
    if (j.contains("kernel") && j["kernel"].is_object())
        for (const char *key : {"release", "version", "machine"})
            expect(j["kernel"], key, json::value_t::string, "a string");
    if (j.contains("hooks") && j["hooks"].is_object())
        for (const char *key : {"bind", "state", "describe"})
            expect(j["hooks"], key, json::value_t::string, "a string");
    if (j.value("format", "") != "trace-listen-record")
        throw std::runtime_error("header does not name the trace-listen-record format");
    if (j.value("version", 0) != 1)
        throw std::runtime_error(fmt::format("record format version {} is not supported",
                                             j.value("version", 0)));
    return RecordHeader{std::move(j)};
}

Event decode_event_payload(std::string_view in)
{
    auto raw_size = take<std::uint32_t>(in, "the kernel record size");
    // Older/newer tl_event sizes: take the common prefix, zero the rest.
    if (raw_size > in.size() || raw_size < offsetof(tl_event, task))
        throw std::runtime_error(fmt::format("kernel record size {} is out of range", raw_size));
    tl_event raw{};
    std::memcpy(&raw, in.data(), std::min<std::size_t>(raw_size, sizeof raw));
    in.remove_prefix(raw_size);
    // The kind comes from the JSON below: a snapshot's `existing` event has no
    // kernel kind (raw.kind 0), and its time is the wall clock of the snapshot.
    // 2^62 ns is 146 years since boot: no kernel wrote that (a crafted or
    // damaged record); the wall time derived from it would be meaningless.
    if (raw.ts_ns >= (std::uint64_t{1} << 62))
        throw std::runtime_error(
            fmt::format("kernel timestamp {:#x} is not a time since boot", raw.ts_ns));
    Event e;
    e.raw = raw;
    if (e.raw.task.args_len > TL_ARGS_LEN)
        e.raw.task.args_len = TL_ARGS_LEN;

    auto holders = take<std::uint16_t>(in, "the holder count");
    if (static_cast<std::size_t>(holders) * sizeof(tl_task) > in.size())
        throw std::runtime_error(fmt::format("{} socket holders do not fit the payload", holders));
    for (std::uint16_t i = 0; i < holders; ++i) {
        SocketHolder h;
        std::memcpy(&h.task, in.data(), sizeof(tl_task));
        if (h.task.args_len > TL_ARGS_LEN)
            h.task.args_len = TL_ARGS_LEN;
        in.remove_prefix(sizeof(tl_task));
        e.extra_holders.push_back(std::move(h));
    }

    json j = parse_json(in, "event fields");
    try {
        e.kind = kind_from_name(j.value("kind", ""));
        e.wall_time_ns = j.value("wall_time_ns", std::int64_t{0});
        e.sequence = j.value("sequence", std::uint64_t{0});
        e.holder_hint = j.value("holder_hint", "");
        auto hp = j.value("holder_processes", json::array());
        for (std::size_t i = 0; i < e.extra_holders.size() && i < hp.size(); ++i)
            e.extra_holders[i].process = process_from(hp[i]);
        if (j.contains("process"))
            e.process = process_from(j["process"]);
        if (j.contains("container") && j["container"].is_object()) {
            auto &c = j["container"];
            e.container = std::make_shared<ContainerDetails>(ContainerDetails{
                c.value("id", ""), c.value("runtime", ""), c.value("pod_uid", ""),
                c.value("systemd_unit", ""), c.value("cgroup_path", "")});
        }
        if (j.contains("verdict") && j["verdict"].is_object()) {
            auto &v = j["verdict"];
            e.verdict = PolicyVerdict{v.value("verdict", ""), v.value("rule_id", ""),
                                      v.value("severity", "")};
        }
    } catch (const json::exception &ex) {
        throw std::runtime_error(fmt::format("event fields have the wrong type: {}", ex.what()));
    }
    return e;
}

DropReport decode_drops(std::string_view payload)
{
    json j = parse_json(payload, "drop record");
    DropReport r;
    try {
        r.wall_time_ns = j.value("wall_time_ns", std::int64_t{0});
        r.sequence = j.value("sequence", std::uint64_t{0});
        r.per_cpu = j.value("per_cpu", std::vector<std::uint64_t>{});
        r.total = j.value("total", std::uint64_t{0});
        r.userspace_dropped = j.value("userspace_dropped", std::uint64_t{0});
        // Absent in records written before the priority ring buffer: all routine.
        r.dropped_by_class = j.value("dropped_by_class", decltype(r.dropped_by_class){r.total, 0});
    } catch (const json::exception &ex) {
        throw std::runtime_error(fmt::format("drop record fields have the wrong type: {}",
                                             ex.what()));
    }
    return r;
}

} // namespace tl::record
