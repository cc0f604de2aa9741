#include "record/event_codec.hpp"

#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "pipeline/event_decode.hpp"
#include "record/wire.hpp"

namespace tl::record {

namespace {

enum RecordTag : std::uint8_t {
    tag_event = 1,
    tag_drops = 2,
    tag_process = 3,
    tag_container = 4,
    tag_reset = 5, // the definition tables start again (they were full)
};

// The event record's presence bits.
constexpr std::uint64_t has_process = 1 << 0;
constexpr std::uint64_t has_container = 1 << 1;
constexpr std::uint64_t has_verdict = 1 << 2;
constexpr std::uint64_t has_hint = 1 << 3;
constexpr std::uint64_t has_holders = 1 << 4;
constexpr std::uint64_t same_task = 1 << 5; // the task is the previous event's in this block
constexpr std::uint64_t is_suppressed = 1 << 6;

constexpr std::size_t max_strings = 4096; // arguments, ancestors, holders, CPUs
constexpr std::uint64_t u32_max = 0xffffffffu, u16_max = 0xffff, u8_max = 0xff;

// An IPv4 socket's address is its first 4 bytes; otherwise the bytes up to
// the last non-zero one.  Whatever else the 16 bytes held is not data.
void put_addr(wire::Writer &w, const std::uint8_t (&addr)[16], std::uint16_t family)
{
    std::size_t n = 16;
    if (family == AF_INET)
        n = 4;
    else
        while (n > 0 && addr[n - 1] == 0)
            --n;
    w.bytes(addr, n);
}

void get_addr(wire::Reader &r, std::uint8_t (&addr)[16], const char *what)
{
    std::string_view v = r.bytes(what, 16);
    std::memset(addr, 0, 16);
    std::memcpy(addr, v.data(), v.size());
}

void get_task(wire::Reader &r, TaskModel &t)
{
    t.start_ns = r.varint("task start");
    t.parent_start_ns = r.varint("parent start");
    t.cgroup_id = r.varint("cgroup id");
    t.pid = r.varint("pid", u32_max);
    t.tid = r.varint("tid", u32_max);
    t.ppid = r.varint("ppid", u32_max);
    t.uid = r.varint("uid", u32_max);
    t.gid = r.varint("gid", u32_max);
    t.loginuid = r.varint("loginuid", u32_max);
    t.sessionid = r.varint("sessionid", u32_max);
    t.pidns = r.varint("pid namespace", u32_max);
    t.mntns = r.varint("mount namespace", u32_max);
    t.flags = r.varint("task flags", u16_max);
    r.cstr(t.comm, "comm");
    r.cstr(t.parent_comm, "parent comm");
    r.cstr(t.exe, "exe");
    r.cstr(t.cgroup_name, "cgroup name");
    std::string_view args = r.bytes("args", TL_ARGS_LEN);
    std::memset(t.args, 0, sizeof t.args);
    std::memcpy(t.args, args.data(), args.size());
    t.args_len = static_cast<std::uint16_t>(args.size());
}

// The facts of two tasks (their texts compared whole, as the kernel fills
// them, not up to args_len).
bool same_task_facts(const TaskModel &a, const TaskModel &b)
{
    static_assert(offsetof(TaskModel, checks) == offsetof(TaskModel, args) + TL_ARGS_LEN &&
                      offsetof(TaskModel, comm) ==
                          3 * sizeof(std::uint64_t) + 9 * sizeof(std::uint32_t) + 2 * sizeof(std::uint16_t),
                  "TaskModel's facts are no longer one run of bytes without padding");
    return std::memcmp(&a, &b, offsetof(TaskModel, checks)) == 0;
}

bool same_process(const ProcessDetails &a, const ProcessDetails &b)
{
    if (a.ancestors.size() != b.ancestors.size())
        return false;
    for (std::size_t i = 0; i < a.ancestors.size(); ++i)
        if (a.ancestors[i].pid != b.ancestors[i].pid || a.ancestors[i].name != b.ancestors[i].name ||
            a.ancestors[i].executable != b.ancestors[i].executable)
            return false;
    return a.executable == b.executable && a.args == b.args && a.user_name == b.user_name &&
           a.group_name == b.group_name && a.start_wall_ns == b.start_wall_ns &&
           a.entity_id == b.entity_id && a.source == b.source;
}

bool same_container(const ContainerDetails &a, const ContainerDetails &b)
{
    return a.id == b.id && a.runtime == b.runtime && a.pod_uid == b.pod_uid &&
           a.systemd_unit == b.systemd_unit && a.cgroup_path == b.cgroup_path;
}

std::string container_key(const ContainerDetails &c) { return c.cgroup_path + '\n' + c.id; }

} // namespace

BlockEncoder::BlockEncoder() { start_block(); }

void BlockEncoder::start_block()
{
    block_.clear();
    records_ = 0;
    wire::Writer(block_).varint(generation_);
    prev_sequence_ = prev_ts_ = prev_cookie_ = 0;
    prev_offset_ = 0;
    have_task_ = false;
}

void BlockEncoder::next_block() { start_block(); }

void BlockEncoder::forget_definitions()
{
    processes_ = {};
    containers_ = {};
    ++generation_;
}

void BlockEncoder::new_file()
{
    processes_ = {};
    containers_ = {};
    generation_ = 0;
    start_block();
}

std::uint64_t BlockEncoder::process_ref(const std::shared_ptr<const ProcessDetails> &p)
{
    return processes_.find_or_define(
        p, [](const ProcessDetails &d) { return d.entity_id; }, same_process,
        [&](std::uint32_t index) {
            wire::Writer w(block_);
            w.u8(tag_process);
            w.varint(index);
            w.str(p->entity_id);
            w.str(p->executable);
            w.varint(p->args.size());
            for (auto &a : p->args)
                w.str(a);
            w.str(p->user_name);
            w.str(p->group_name);
            w.svarint(p->start_wall_ns);
            w.varint(p->ancestors.size());
            for (auto &a : p->ancestors) {
                w.varint(a.pid);
                w.str(a.name);
                w.str(a.executable);
            }
            w.u8(p->source == EnrichmentSource::Proc ? 1 : 0);
        });
}

std::uint64_t BlockEncoder::container_ref(const std::shared_ptr<const ContainerDetails> &c)
{
    return containers_.find_or_define(c, container_key, same_container, [&](std::uint32_t index) {
        wire::Writer w(block_);
        w.u8(tag_container);
        w.varint(index);
        w.str(c->id);
        w.str(c->runtime);
        w.str(c->pod_uid);
        w.str(c->systemd_unit);
        w.str(c->cgroup_path);
    });
}

void BlockEncoder::put_task(const TaskModel &t)
{
    wire::Writer w(block_);
    w.varint(t.start_ns);
    w.varint(t.parent_start_ns);
    w.varint(t.cgroup_id);
    w.varint(t.pid);
    w.varint(t.tid);
    w.varint(t.ppid);
    w.varint(t.uid);
    w.varint(t.gid);
    w.varint(t.loginuid);
    w.varint(t.sessionid);
    w.varint(t.pidns);
    w.varint(t.mntns);
    w.varint(t.flags);
    w.cstr(t.comm);
    w.cstr(t.parent_comm);
    w.cstr(t.exe);
    w.cstr(t.cgroup_name);
    const std::string_view args = task_args(t);
    w.bytes(args.data(), args.size());
}

void BlockEncoder::make_room(std::size_t definitions)
{
    if (processes_.next + definitions <= max_table_entries &&
        containers_.next + definitions <= max_table_entries)
        return;
    processes_ = {};
    containers_ = {};
    ++generation_;
    wire::Writer w(block_);
    w.u8(tag_reset);
    w.varint(generation_);
}

void BlockEncoder::add(const Event &e)
{
    // Room for every definition this event may need, before the first of them.
    make_room(2 + std::min(e.extra_holders.size(), max_strings));
    // Definitions first: they go into the block ahead of the event using them.
    std::uint64_t process = e.process ? process_ref(e.process) : 0;
    std::uint64_t container = e.container ? container_ref(e.container) : 0;
    std::vector<std::uint64_t> holder_refs;
    for (std::size_t i = 0; i < e.extra_holders.size() && i < max_strings; ++i)
        holder_refs.push_back(e.extra_holders[i].process ? process_ref(e.extra_holders[i].process)
                                                         : 0);

    const EventModel &m = e.model;
    bool same = have_task_ && same_task_facts(prev_task_, m.task);
    std::uint64_t bits = (process ? has_process : 0) | (container ? has_container : 0) |
                         (e.verdict ? has_verdict : 0) | (e.holder_hint.empty() ? 0 : has_hint) |
                         (e.extra_holders.empty() ? 0 : has_holders) | (same ? same_task : 0) |
                         (e.suppressed ? is_suppressed : 0);
    wire::Writer w(block_);
    w.u8(tag_event);
    w.u8(static_cast<std::uint8_t>(e.kind));
    w.varint(bits);
    w.svarint(static_cast<std::int64_t>(e.sequence - prev_sequence_));
    w.svarint(static_cast<std::int64_t>(m.ts_ns - prev_ts_));
    // Wall time = kernel time + the boot offset, which hardly moves.
    std::int64_t offset = e.wall_time_ns - static_cast<std::int64_t>(m.ts_ns);
    w.svarint(offset - prev_offset_);
    prev_sequence_ = e.sequence;
    prev_ts_ = m.ts_ns;
    prev_offset_ = offset;

    w.varint(m.lifetime_ns);
    w.varint(kernel_kind(e.kind));
    w.svarint(m.error);
    w.varint(m.hook_id);
    w.varint(event_flags(m));
    w.varint(m.via_id);

    const SocketModel &s = m.socket;
    w.svarint(static_cast<std::int64_t>(s.cookie - prev_cookie_));
    prev_cookie_ = s.cookie;
    w.varint(s.netns);
    w.varint(s.bound_dev_if);
    w.varint(s.local.family);
    w.varint(s.requested.family);
    put_addr(w, s.local.bytes, s.local.family);
    put_addr(w, s.peer.bytes, s.local.family);
    put_addr(w, s.requested.bytes, s.requested.family);
    w.varint(s.protocol);
    w.varint(s.type);
    w.varint(s.port);
    w.varint(s.peer_port);
    w.varint(s.requested_port);
    w.varint(s.options);
    w.varint(s.backlog);
    w.varint(s.old_state);
    w.varint(s.new_state);
    if (!same)
        put_task(m.task);
    prev_task_ = m.task;
    have_task_ = true;

    if (process)
        w.varint(process);
    if (container)
        w.varint(container);
    if (!e.holder_hint.empty())
        w.str(e.holder_hint);
    if (e.verdict) {
        w.str(e.verdict->verdict);
        w.str(e.verdict->rule_id);
        w.str(e.verdict->severity);
    }
    if (!e.extra_holders.empty()) {
        std::size_t n = std::min(e.extra_holders.size(), max_strings);
        w.varint(n);
        for (std::size_t i = 0; i < n; ++i) {
            put_task(e.extra_holders[i].task);
            w.varint(holder_refs[i]);
        }
    }
    ++records_;
}

void BlockEncoder::add(const DropReport &d)
{
    wire::Writer w(block_);
    w.u8(tag_drops);
    w.svarint(d.wall_time_ns);
    w.varint(d.sequence);
    std::size_t n = std::min(d.per_cpu.size(), max_strings);
    w.varint(n);
    for (std::size_t i = 0; i < n; ++i)
        w.varint(d.per_cpu[i]);
    w.varint(d.total);
    w.varint(d.userspace_dropped);
    w.varint(d.kernel_map_dropped);
    w.varint(d.dropped_by_class.size());
    for (auto v : d.dropped_by_class)
        w.varint(v);
    ++records_;
}

void BlockDecoder::new_file()
{
    processes_.clear();
    containers_.clear();
    generation_ = 0;
}

namespace {

template <typename T>
std::shared_ptr<const T> lookup(const std::vector<std::shared_ptr<const T>> &table,
                                std::uint64_t ref, const char *what,
                                std::vector<std::string> &problems)
{
    if (ref == 0)
        return nullptr;
    if (ref <= table.size() && table[ref - 1])
        return table[ref - 1];
    problems.push_back(fmt::format("{} #{} is not defined before it is used (its definition was "
                                   "lost with a damaged stretch): shown without it",
                                   what, ref));
    return nullptr;
}

template <typename T>
void define(std::vector<std::shared_ptr<const T>> &table, std::uint64_t index,
            std::shared_ptr<const T> value)
{
    if (table.size() <= index)
        table.resize(index + 1);
    table[index] = std::move(value);
}

} // namespace

std::string BlockDecoder::decode(std::string_view payload, std::vector<RecordEntry> &out,
                                 std::vector<std::string> &problems)
{
    wire::Reader r(payload);
    std::uint64_t sequence = 0, ts = 0, cookie = 0;
    std::int64_t offset = 0;
    TaskModel task;
    bool have_task = false;
    std::size_t records = 0;
    try {
        std::uint64_t generation = r.varint("block generation");
        if (generation != generation_) {
            // A reset was in a block this reader lost: what it defined is stale.
            processes_.clear();
            containers_.clear();
            generation_ = generation;
        }
        while (!r.empty()) {
            std::uint8_t tag = r.u8("record tag");
            switch (tag) {
            case tag_reset:
                processes_.clear();
                containers_.clear();
                generation_ = r.varint("table generation");
                break;
            case tag_process: {
                auto index = r.varint("process number", max_table_entries - 1);
                auto p = std::make_shared<ProcessDetails>();
                p->entity_id = r.str("entity id");
                p->executable = r.str("executable");
                auto argc = r.varint("argument count", max_strings);
                for (std::uint64_t i = 0; i < argc; ++i)
                    p->args.push_back(r.str("argument"));
                p->user_name = r.str("user name");
                p->group_name = r.str("group name");
                p->start_wall_ns = r.svarint("process start");
                auto n = r.varint("ancestor count", max_strings);
                for (std::uint64_t i = 0; i < n; ++i) {
                    Ancestor a;
                    a.pid = r.varint("ancestor pid", u32_max);
                    a.name = r.str("ancestor name");
                    a.executable = r.str("ancestor executable");
                    p->ancestors.push_back(std::move(a));
                }
                p->source = r.u8("process source") ? EnrichmentSource::Proc : EnrichmentSource::Kernel;
                define<ProcessDetails>(processes_, index, std::move(p));
                break;
            }
            case tag_container: {
                auto index = r.varint("container number", max_table_entries - 1);
                auto c = std::make_shared<ContainerDetails>();
                c->id = r.str("container id");
                c->runtime = r.str("container runtime");
                c->pod_uid = r.str("pod uid");
                c->systemd_unit = r.str("systemd unit");
                c->cgroup_path = r.str("cgroup path");
                define<ContainerDetails>(containers_, index, std::move(c));
                break;
            }
            case tag_drops: {
                DropReport d;
                d.wall_time_ns = r.svarint("drop report time");
                d.sequence = r.varint("drop report sequence");
                auto n = r.varint("CPU count", max_strings);
                for (std::uint64_t i = 0; i < n; ++i)
                    d.per_cpu.push_back(r.varint("CPU drops"));
                d.total = r.varint("total drops");
                d.userspace_dropped = r.varint("userspace drops");
                d.kernel_map_dropped = r.varint("kernel map drops");
                auto classes = r.varint("class count", max_strings);
                for (std::uint64_t i = 0; i < classes; ++i) {
                    auto v = r.varint("class drops");
                    if (i < d.dropped_by_class.size())
                        d.dropped_by_class[i] = v;
                }
                out.emplace_back(std::move(d));
                ++records;
                break;
            }
            case tag_event: {
                auto kind = r.u8("event kind");
                if (kind > static_cast<std::uint8_t>(EventKind::Existing))
                    throw std::runtime_error(fmt::format("unknown event kind {}", kind));
                auto bits = r.varint("event flags");
                sequence += static_cast<std::uint64_t>(r.svarint("sequence"));
                ts += static_cast<std::uint64_t>(r.svarint("kernel time"));
                offset += r.svarint("wall clock offset");
                auto event_kind = static_cast<EventKind>(kind);
                Event e;
                e.kind = event_kind;
                EventModel &m = e.model;
                m.ts_ns = ts;
                m.lifetime_ns = r.varint("lifetime");
                auto stored_kind = r.varint("kernel kind", u32_max);
                // The snapshot's events have none (0); kernel events the one of their kind.
                if (stored_kind != kernel_kind(event_kind))
                    throw std::runtime_error(fmt::format("kernel kind {} does not go with event kind {}",
                                                         stored_kind, kind));
                auto error = r.svarint("error");
                if (error < INT32_MIN || error > INT32_MAX)
                    throw std::runtime_error(fmt::format("error {} is out of range", error));
                m.error = static_cast<std::int32_t>(error);
                m.hook_id = r.varint("hook", u16_max);
                auto flags = r.varint("event flags", u16_max);
                m.via_id = r.varint("via", u8_max);
                SocketModel &s = m.socket;
                cookie += static_cast<std::uint64_t>(r.svarint("cookie"));
                s.cookie = cookie;
                s.netns = r.varint("network namespace", u32_max);
                s.bound_dev_if = r.varint("bound device", u32_max);
                auto family = r.varint("family", u16_max);
                auto requested_family = r.varint("requested family", u16_max);
                std::uint8_t local[16], peer[16], requested[16];
                get_addr(r, local, "address");
                get_addr(r, peer, "peer address");
                get_addr(r, requested, "requested address");
                s.protocol = r.varint("protocol", u16_max);
                s.type = r.varint("socket type", u16_max);
                s.port = r.varint("port", u16_max);
                s.peer_port = r.varint("peer port", u16_max);
                s.requested_port = r.varint("requested port", u16_max);
                s.options = r.varint("options", u16_max);
                s.backlog = r.varint("backlog", u32_max);
                s.old_state = r.varint("old state", u8_max);
                s.new_state = r.varint("new state", u8_max);
                set_addresses(s, event_kind, family, local, peer, requested_family, requested);
                set_event_flags(m, flags);
                if (bits & same_task) {
                    if (!have_task)
                        throw std::runtime_error("event repeats a task, but is the block's first");
                    m.task = task;
                } else {
                    get_task(r, m.task);
                    task = m.task;
                    have_task = true;
                }
                // 2^62 ns is 146 years since boot: no kernel wrote that (a
                // crafted or damaged record); a wall time derived from it is meaningless.
                if (m.ts_ns >= (std::uint64_t{1} << 62))
                    throw std::runtime_error(fmt::format(
                        "kernel timestamp {:#x} is not a time since boot", m.ts_ns));
                complete_model(m);
                e.wall_time_ns = static_cast<std::int64_t>(ts) + offset;
                e.sequence = sequence;
                e.suppressed = bits & is_suppressed;
                if (bits & has_process)
                    e.process = lookup(processes_, r.varint("process reference"), "process", problems);
                if (bits & has_container)
                    e.container =
                        lookup(containers_, r.varint("container reference"), "container", problems);
                if (bits & has_hint)
                    e.holder_hint = r.str("holder hint");
                if (bits & has_verdict) {
                    PolicyVerdict v;
                    v.verdict = r.str("verdict");
                    v.rule_id = r.str("rule id");
                    v.severity = r.str("severity");
                    e.verdict = std::move(v);
                }
                if (bits & has_holders) {
                    auto n = r.varint("holder count", max_strings);
                    for (std::uint64_t i = 0; i < n; ++i) {
                        SocketHolder h;
                        get_task(r, h.task);
                        h.process = lookup(processes_, r.varint("holder process"), "process",
                                           problems);
                        e.extra_holders.push_back(std::move(h));
                    }
                }
                out.emplace_back(std::move(e));
                ++records;
                break;
            }
            default: throw std::runtime_error(fmt::format("unknown record tag {}", tag));
            }
        }
    } catch (const std::exception &ex) {
        return fmt::format("record {} of the block is unreadable ({}); the rest of the block is "
                           "lost",
                           records + 1, ex.what());
    }
    return {};
}

} // namespace tl::record
