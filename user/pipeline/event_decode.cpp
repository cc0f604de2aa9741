#include "pipeline/event_decode.hpp"

#include <cstdint>
#include <cstring>
#include <ctime>

namespace tl {

// The kernel and userspace compilers must agree on the shared layout.
static_assert(sizeof(tl_sock) == 88, "tl_sock layout changed: update both sides");
static_assert(sizeof(tl_task) % 8 == 0, "tl_task must stay 8-byte aligned");
static_assert(offsetof(tl_event, sock) == 32, "tl_event header layout changed");
static_assert(offsetof(tl_task, args) == TL_TASK_OWNER_SIZE, "args must be the last field");

namespace {
std::int64_t clock_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
} // namespace

std::int64_t wall_now_ns() { return clock_ns(CLOCK_REALTIME); }

std::int64_t monotonic_to_wall_ns(std::uint64_t monotonic_ns)
{
    // A kernel timestamp is far below 2^63; one read from a damaged or crafted
    // record may not be: saturate rather than overflow (undefined behaviour).
    //
    // The clocks' offset is read again for a time more than 100 ms from the
    // one it was last read for: a burst of events shares one pair of reads,
    // and a step of the wall clock (NTP, settimeofday) shows within 100 ms
    // of event time.
    thread_local std::uint64_t offset_read_for = 0;
    thread_local std::int64_t offset = 0;
    constexpr std::uint64_t offset_reuse_ns = 100'000'000;
    const std::uint64_t distance = monotonic_ns > offset_read_for ? monotonic_ns - offset_read_for
                                                                  : offset_read_for - monotonic_ns;
    if (offset_read_for == 0 || distance > offset_reuse_ns) {
        offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
        offset_read_for = monotonic_ns ? monotonic_ns : 1;
    }
    std::int64_t mono = monotonic_ns > static_cast<std::uint64_t>(INT64_MAX)
                            ? INT64_MAX
                            : static_cast<std::int64_t>(monotonic_ns);
    std::int64_t wall = 0;
    if (__builtin_add_overflow(offset, mono, &wall))
        return offset < 0 ? INT64_MIN : INT64_MAX;
    return wall;
}

std::optional<Event> decode_event(const void *data, std::size_t size)
{
    // Built in the optional that is returned (every return is `decoded`):
    // no copy of the 1 KiB event on the way out.  Constructed holding the
    // event: libstdc++'s empty optional zeroes all of its storage first.
    static const tl_event too_short{}; // stands in, then dropped
    const tl_event &r = size < sizeof(tl_event) ? too_short : *static_cast<const tl_event *>(data);
    std::optional<Event> decoded(std::in_place, r.task);
    Event &event = *decoded;
    switch (r.kind) {
    case TL_EVENT_BIND: event.kind = EventKind::Bind; break;
    case TL_EVENT_LISTEN: event.kind = EventKind::Listen; break;
    case TL_EVENT_CLOSE: event.kind = EventKind::Close; break;
    case TL_EVENT_STATE: event.kind = EventKind::StateChange; break;
    default: decoded.reset(); return decoded; // too_short's kind is 0
    }
    EventModel &m = event.model;
    m.ts_ns = r.ts_ns;
    m.error = r.error;
    m.lifetime_ns = r.lifetime_ns;
    m.lifetime_known = r.flags & TL_EVENT_LIFETIME_KNOWN;
    m.priority = r.flags & TL_EVENT_PRIORITY;
    m.hook_id = r.hook;
    m.via_id = r.via;

    const tl_sock &k = r.sock;
    SocketModel &s = m.socket;
    s.cookie = k.cookie;
    s.netns = k.netns;
    s.bound_dev_if = k.bound_dev_if;
    set_ip_address(s.local, k.family, k.addr);
    s.port = k.port;
    s.peer_known = (r.flags & TL_EVENT_HAS_PEER) && k.peer_port;
    if (k.peer_port) // a connection's state change
        set_ip_address(s.peer, k.family, k.peer_addr);
    s.peer_port = k.peer_port;
    set_requested_address(s, event.kind == EventKind::Bind, k.req_family, k.req_addr);
    s.requested_port = k.req_port;
    s.protocol = k.protocol;
    s.type = k.type;
    s.options = k.options;
    s.backlog = k.backlog;
    s.old_state = k.old_state;
    s.new_state = k.new_state;
    s.outgoing = r.flags & TL_EVENT_ACTIVE_OPEN;
    s.accepted = r.flags & TL_EVENT_PASSIVE_OPEN;

    event.wall_time_ns = monotonic_to_wall_ns(m.ts_ns);
    complete_model(m);
    return decoded;
}

std::vector<std::string> split_args(const TaskModel &task)
{
    std::vector<std::string> args;
    const std::string_view captured = task_args(task);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= captured.size(); ++i) {
        if (i == captured.size() || captured[i] == '\0') {
            args.emplace_back(captured.substr(start, i - start));
            start = i + 1;
        }
    }
    while (!args.empty() && args.back().empty())
        args.pop_back();
    return args;
}

} // namespace tl
