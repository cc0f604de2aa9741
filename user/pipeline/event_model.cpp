#include "pipeline/event_model.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstring>

#include "pipeline/event_decode.hpp"
#include "util/service_names.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

namespace tl {

void set_ip_address(IpAddress &a, std::uint16_t family, const std::uint8_t (&bytes)[16])
{
    a.family = family;
    std::memcpy(a.bytes, bytes, sizeof a.bytes);
    const bool v6 = family == AF_INET6;
    if (!v6) {
        // Each byte's digits from a table of 256 entries: three characters
        // (padded) and a length, copied as one word.
        static constexpr auto octets = [] {
            std::array<std::array<char, 4>, 256> t{};
            for (unsigned b = 0; b < 256; ++b) {
                auto &o = t[b];
                unsigned n = 0;
                if (b >= 100)
                    o[n++] = static_cast<char>('0' + b / 100);
                if (b >= 10)
                    o[n++] = static_cast<char>('0' + b / 10 % 10);
                o[n++] = static_cast<char>('0' + b % 10);
                o[3] = static_cast<char>(n);
            }
            return t;
        }();
        char *p = a.text_buffer;
        for (int i = 0; i < 4; ++i) {
            const auto &o = octets[bytes[i]];
            std::memcpy(p, o.data(), 4); // the length byte is overwritten next
            p += o[3];
            *p = '.';
            p += i < 3;
        }
        a.text_length = static_cast<std::uint8_t>(p - a.text_buffer);
        return;
    }
    a.text_length = 0;
    if (inet_ntop(AF_INET6, bytes, a.text_buffer, sizeof a.text_buffer))
        a.text_length = static_cast<std::uint8_t>(std::strlen(a.text_buffer));
}

namespace {

template <std::size_t Size> bool invalid_field(const char (&field)[Size])
{
    return !is_valid_utf8(c_field(field, Size));
}

// Whether any byte of the names, up to their NULs or after, has the high
// bit set; nearly always none: all ASCII, all valid, told in one pass of a
// fixed length (which the compiler unrolls into vector ORs).
bool any_name_byte_above_ascii(const tl_task &t)
{
    constexpr std::size_t size = offsetof(tl_task, args) - offsetof(tl_task, comm); // task_names(t).size()
    const auto *bytes = reinterpret_cast<const unsigned char *>(task_names(t).data());
    unsigned char any = 0;
#pragma GCC unroll 16
    for (std::size_t i = 0; i < size; ++i)
        any |= bytes[i];
    return any & 0x80;
}

// Every field of `m` is written (it may hold an earlier event's model).
void decode_model_into(EventModel &m, const tl_event &raw, EventKind kind)
{
    m.decoded = true;
    const tl_sock &s = raw.sock;
    SocketModel &o = m.socket;
    set_ip_address(o.local, s.family, s.addr);
    o.port = s.port;
    o.peer_known = (raw.flags & TL_EVENT_HAS_PEER) && s.peer_port;
    if (o.peer_known)
        set_ip_address(o.peer, s.family, s.peer_addr);
    else
        o.peer = IpAddress{};
    o.peer_port = s.peer_port;
    o.requested_port = s.req_port;
    o.requested_ip_known = kind == EventKind::Bind && (s.req_family == AF_INET || s.req_family == AF_INET6);
    if (o.requested_ip_known)
        set_ip_address(o.requested, s.req_family, s.req_addr);
    else
        o.requested = IpAddress{};
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
    if (any_name_byte_above_ascii(t)) {
        c.comm_invalid = invalid_field(t.comm);
        c.parent_comm_invalid = invalid_field(t.parent_comm);
        c.exe_invalid = invalid_field(t.exe);
        c.cgroup_name_invalid = invalid_field(t.cgroup_name);
    } else {
        c = TaskTextChecks{};
    }
    c.args_invalid = !is_valid_utf8(task_args(t));
}

} // namespace

EventModel decode_model(const tl_event &raw, EventKind kind)
{
    EventModel m;
    decode_model_into(m, raw, kind);
    return m;
}

void decode_model(Event &event) { decode_model_into(event.model, event.raw, event.kind); }

const EventModel &model_of(const Event &event)
{
    if (event.model.decoded)
        return event.model;
    thread_local EventModel scratch;
    decode_model_into(scratch, event.raw, event.kind);
    return scratch;
}

} // namespace tl
