#include "pipeline/event_model.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "pipeline/event_decode.hpp"
#include "util/service_names.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

namespace tl {

IpAddress ip_address(std::uint16_t family, const std::uint8_t (&bytes)[16])
{
    IpAddress a;
    a.family = family;
    std::memcpy(a.bytes, bytes, sizeof a.bytes);
    const bool v6 = family == AF_INET6;
    if (!v6) {
        char *p = a.text_buffer;
        for (int i = 0; i < 4; ++i) {
            unsigned b = bytes[i];
            if (b >= 100)
                *p++ = static_cast<char>('0' + b / 100);
            if (b >= 10)
                *p++ = static_cast<char>('0' + b / 10 % 10);
            *p++ = static_cast<char>('0' + b % 10);
            if (i < 3)
                *p++ = '.';
        }
        a.text_length = static_cast<std::uint8_t>(p - a.text_buffer);
        return a;
    }
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, a.text_buffer, sizeof a.text_buffer))
        a.text_length = static_cast<std::uint8_t>(std::strlen(a.text_buffer));
    return a;
}

namespace {

// The size is the field's, known here: the word loop below has a fixed
// trip count, which the compiler unrolls and vectorises.
template <std::size_t Size> bool invalid_field(const char (&field)[Size])
{
    static_assert(Size % 8 == 0);
    // Nearly always no byte of the whole field has the high bit set, up to
    // its NUL or after: ASCII, valid, told without finding the end.
    std::uint64_t high = 0;
    for (std::size_t i = 0; i < Size; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, field + i, 8);
        high |= word;
    }
    if (!(high & 0x8080808080808080ULL))
        return false;
    return !is_valid_utf8(c_field(field, Size));
}

} // namespace

EventModel decode_model(const tl_event &raw, EventKind kind)
{
    EventModel m;
    m.decoded = true;
    const tl_sock &s = raw.sock;
    SocketModel &o = m.socket;
    o.local = ip_address(s.family, s.addr);
    o.port = s.port;
    o.peer_known = (raw.flags & TL_EVENT_HAS_PEER) && s.peer_port;
    if (o.peer_known)
        o.peer = ip_address(s.family, s.peer_addr);
    o.peer_port = s.peer_port;
    o.requested_port = s.req_port;
    o.requested_ip_known = kind == EventKind::Bind && (s.req_family == AF_INET || s.req_family == AF_INET6);
    if (o.requested_ip_known)
        o.requested = ip_address(s.req_family, s.req_addr);
    o.outgoing = raw.flags & TL_EVENT_ACTIVE_OPEN;
    o.accepted = raw.flags & TL_EVENT_PASSIVE_OPEN;
    o.exposure = exposure_of(s.family, s.addr);
    o.dual_stack = is_dual_stack(s);
    o.transport = transport_name(s.protocol, s.type);
    o.family = family_name(s.family);
    o.service = system_service_names().find(s.port, o.transport);
    o.hook = hook_name(raw.hook);
    o.via = via_name(raw.via);
    o.options = s.options;

    const tl_task &t = raw.task;
    TaskTextChecks &c = m.task;
    c.comm_invalid = invalid_field(t.comm);
    c.parent_comm_invalid = invalid_field(t.parent_comm);
    c.exe_invalid = invalid_field(t.exe);
    c.cgroup_name_invalid = invalid_field(t.cgroup_name);
    std::size_t args_len = t.args_len > TL_ARGS_LEN ? TL_ARGS_LEN : t.args_len;
    c.args_invalid = !is_valid_utf8(std::string_view(t.args, args_len));
    return m;
}

void decode_model(Event &event) { event.model = decode_model(event.raw, event.kind); }

const EventModel &model_of(const Event &event)
{
    if (event.model.decoded)
        return event.model;
    thread_local EventModel scratch;
    scratch = decode_model(event.raw, event.kind);
    return scratch;
}

} // namespace tl
