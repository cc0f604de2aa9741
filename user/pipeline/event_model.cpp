#include "pipeline/event_model.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstring>

#include "pipeline/event.hpp"
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
bool any_name_byte_above_ascii(const TaskModel &t)
{
    constexpr std::size_t size = offsetof(TaskModel, args) - offsetof(TaskModel, comm); // task_names(t).size()
    const auto *bytes = reinterpret_cast<const unsigned char *>(task_names(t).data());
    unsigned char any = 0;
#pragma GCC unroll 16
    for (std::size_t i = 0; i < size; ++i)
        any |= bytes[i];
    return any & 0x80;
}

} // namespace

TaskModel::TaskModel(const tl_task &captured)
    : start_ns(captured.start_ns), parent_start_ns(captured.parent_start_ns),
      cgroup_id(captured.cgroup_id), pid(captured.pid), tid(captured.tid), ppid(captured.ppid),
      uid(captured.uid), gid(captured.gid), loginuid(captured.loginuid),
      sessionid(captured.sessionid), pidns(captured.pidns), mntns(captured.mntns),
      args_len(captured.args_len > TL_ARGS_LEN ? std::uint16_t{TL_ARGS_LEN} : captured.args_len),
      flags(captured.flags)
{
    // The texts lie in the same order in both (static_asserts in the header).
    std::memcpy(texts_start(), reinterpret_cast<const char *>(&captured) + offsetof(tl_task, comm),
                texts_size);
}

tl_task TaskModel::kernel_record() const
{
    tl_task t{};
    t.start_ns = start_ns;
    t.parent_start_ns = parent_start_ns;
    t.cgroup_id = cgroup_id;
    t.pid = pid;
    t.tid = tid;
    t.ppid = ppid;
    t.uid = uid;
    t.gid = gid;
    t.loginuid = loginuid;
    t.sessionid = sessionid;
    t.pidns = pidns;
    t.mntns = mntns;
    t.args_len = args_len;
    t.flags = flags;
    std::memcpy(reinterpret_cast<char *>(&t) + offsetof(tl_task, comm),
                reinterpret_cast<const char *>(this) + offsetof(TaskModel, comm), texts_size);
    return t;
}

void complete_model(EventModel &m)
{
    SocketModel &s = m.socket;
    s.exposure = exposure_of(s.local.family, s.local.bytes);
    s.dual_stack = is_dual_stack(s);
    s.transport = transport_name(s.protocol, s.type);
    s.family_name = family_name(s.local.family);
    s.service = system_service_names().find(s.port, s.transport);
    m.hook = hook_name(m.hook_id);
    m.via = via_name(m.via_id);

    const TaskModel &t = m.task;
    TaskTextChecks &c = m.task.checks;
    if (any_name_byte_above_ascii(t)) {
        c.comm_invalid = invalid_field(t.comm);
        c.parent_comm_invalid = invalid_field(t.parent_comm);
        c.exe_invalid = invalid_field(t.exe);
        c.cgroup_name_invalid = invalid_field(t.cgroup_name);
    } else {
        c = TaskTextChecks{};
    }
    c.args_invalid = !is_valid_utf8(task_args(t));
    m.complete = true;
}

const EventModel &named_copy_of_model(const Event &event)
{
    thread_local EventModel scratch;
    scratch = event.model;
    complete_model(scratch);
    return scratch;
}

} // namespace tl
