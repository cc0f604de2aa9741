#include "pipeline/event_decode.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <iterator>
#include <utility>

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

namespace {

// Each event kind the kernel reports, with its enum tl_event_kind value.
constexpr std::pair<EventKind, std::uint32_t> kernel_kinds[] = {
    {EventKind::Bind, TL_EVENT_BIND},
    {EventKind::Listen, TL_EVENT_LISTEN},
    {EventKind::Close, TL_EVENT_CLOSE},
    {EventKind::StateChange, TL_EVENT_STATE},
};

} // namespace

std::uint32_t kernel_kind(EventKind kind)
{
    for (auto [event_kind, value] : kernel_kinds)
        if (event_kind == kind)
            return value;
    return 0;
}

void set_event_flags(EventModel &m, std::uint16_t flags)
{
    m.lifetime_known = flags & TL_EVENT_LIFETIME_KNOWN;
    m.priority = flags & TL_EVENT_PRIORITY;
    m.socket.peer_known = (flags & TL_EVENT_HAS_PEER) && m.socket.peer_port;
    m.socket.outgoing = flags & TL_EVENT_ACTIVE_OPEN;
    m.socket.accepted = flags & TL_EVENT_PASSIVE_OPEN;
}

std::uint16_t event_flags(const EventModel &m)
{
    return (m.lifetime_known ? TL_EVENT_LIFETIME_KNOWN : 0) |
           (m.socket.peer_known ? TL_EVENT_HAS_PEER : 0) |
           (m.socket.outgoing ? TL_EVENT_ACTIVE_OPEN : 0) |
           (m.socket.accepted ? TL_EVENT_PASSIVE_OPEN : 0) | (m.priority ? TL_EVENT_PRIORITY : 0);
}

void set_addresses(SocketModel &s, EventKind kind, std::uint16_t family,
                   const std::uint8_t (&local)[16], const std::uint8_t (&peer)[16],
                   std::uint16_t requested_family, const std::uint8_t (&requested)[16])
{
    set_ip_address(s.local, family, local);
    if (s.peer_port) // a connection's state change
        set_ip_address(s.peer, family, peer);
    s.requested_ip_known = kind == EventKind::Bind &&
                           (requested_family == AF_INET || requested_family == AF_INET6);
    if (s.requested_ip_known)
        set_ip_address(s.requested, requested_family, requested);
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
    const auto *known = std::find_if(std::begin(kernel_kinds), std::end(kernel_kinds),
                                     [&](const auto &k) { return k.second == r.kind; });
    if (known == std::end(kernel_kinds)) { // too_short's kind is 0
        decoded.reset();
        return decoded;
    }
    event.kind = known->first;
    EventModel &m = event.model;
    m.ts_ns = r.ts_ns;
    m.error = r.error;
    m.lifetime_ns = r.lifetime_ns;
    m.hook_id = r.hook;
    m.via_id = r.via;

    const tl_sock &k = r.sock;
    SocketModel &s = m.socket;
    s.cookie = k.cookie;
    s.netns = k.netns;
    s.bound_dev_if = k.bound_dev_if;
    s.port = k.port;
    s.peer_port = k.peer_port;
    s.requested_port = k.req_port;
    s.protocol = k.protocol;
    s.type = k.type;
    s.options = k.options;
    s.backlog = k.backlog;
    s.old_state = k.old_state;
    s.new_state = k.new_state;
    set_addresses(s, event.kind, k.family, k.addr, k.peer_addr, k.req_family, k.req_addr);
    set_event_flags(m, r.flags);

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
