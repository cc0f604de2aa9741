// Hand-made event models: addresses from their text, and every fact of a
// model as one text, to compare two models (and see where they differ).
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "pipeline/event_model.hpp"

namespace tl::test {

// An IPv4 or IPv6 address; a text that is neither is a mistake in the test.
inline IpAddress ip_address(const std::string &text)
{
    std::uint8_t bytes[16] = {};
    IpAddress a;
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1)
        set_ip_address(a, AF_INET, bytes);
    else if (inet_pton(AF_INET6, text.c_str(), bytes) == 1)
        set_ip_address(a, AF_INET6, bytes);
    else
        throw std::invalid_argument("not an IP address: " + text);
    return a;
}

// Every fact (not the names worked out from them), one per line.
inline std::string model_facts(const EventModel &m)
{
    const SocketModel &s = m.socket;
    const TaskModel &t = m.task;
    auto ip = [](const IpAddress &a) { return fmt::format("{}/{}", a.family, a.text()); };
    std::string out = fmt::format(
        "ts {}\nerror {}\nlifetime {} known {}\npriority {}\nhook {} via {}\n", m.ts_ns, m.error,
        m.lifetime_ns, m.lifetime_known, m.priority, m.hook_id, m.via_id);
    out += fmt::format("cookie {} netns {} dev {}\nlocal {} port {}\npeer {} port {} known {}\n",
                       s.cookie, s.netns, s.bound_dev_if, ip(s.local), s.port, ip(s.peer),
                       s.peer_port, s.peer_known);
    out += fmt::format("requested {} known {} port {}\nprotocol {} type {} options {} backlog {}\n"
                       "states {} {}\noutgoing {} accepted {}\n",
                       ip(s.requested), s.requested_ip_known, s.requested_port, s.protocol, s.type,
                       s.options, s.backlog, s.old_state, s.new_state, s.outgoing, s.accepted);
    out += fmt::format("task start {} parent start {} cgroup {}\npid {} tid {} ppid {} uid {} gid {}\n"
                       "loginuid {} session {} pidns {} mntns {} flags {}\n",
                       t.start_ns, t.parent_start_ns, t.cgroup_id, t.pid, t.tid, t.ppid, t.uid, t.gid,
                       t.loginuid, t.sessionid, t.pidns, t.mntns, t.flags);
    auto bytes = [](std::string_view v) {
        std::string text;
        for (unsigned char c : v)
            text += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
        return text;
    };
    out += fmt::format("names {}\nargs {}\n", bytes(task_names(t)), bytes(task_args(t)));
    return out;
}

} // namespace tl::test
