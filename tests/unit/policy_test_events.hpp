// Hand-made listener events for the policy unit tests: what the kernel (or
// the snapshot) would have recorded for a socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "pipeline/event.hpp"
#include "support/event_models.hpp"

namespace tl::test {

struct ListenerSpec {
    std::string protocol = "tcp";
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string comm = "server";
    std::string executable;     // full path (as /proc would give it), or empty
    std::uint32_t uid = 1000;
    std::string user_name;
    std::string container_id;
    std::string cgroup_name;
    std::uint32_t netns = 4026531840u;
    bool v6only = false;
    EventKind kind = EventKind::Listen;
    std::uint32_t pid = 4242;
    std::uint64_t cookie = 0;
};

inline Event listener_event(const ListenerSpec &spec)
{
    Event e;
    e.kind = spec.kind;
    SocketModel &s = e.model.socket;
    s.local = test::ip_address(spec.address);
    s.protocol = spec.protocol == "udp" ? IPPROTO_UDP : IPPROTO_TCP;
    s.type = spec.protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
    s.port = spec.port;
    s.requested_port = spec.port;
    s.netns = spec.netns;
    s.cookie = spec.cookie;
    if (spec.v6only)
        s.options |= TL_OPT_V6ONLY;
    TaskModel &t = e.model.task;
    t.pid = t.tid = spec.pid;
    t.uid = spec.uid;
    std::strncpy(t.comm, spec.comm.c_str(), sizeof t.comm - 1);
    std::strncpy(t.cgroup_name, spec.cgroup_name.c_str(), sizeof t.cgroup_name - 1);
    if (!spec.executable.empty() || !spec.user_name.empty()) {
        auto process = std::make_shared<ProcessDetails>();
        process->executable = spec.executable;
        process->user_name = spec.user_name;
        e.process = process;
    }
    if (!spec.container_id.empty()) {
        auto container = std::make_shared<ContainerDetails>();
        container->id = spec.container_id;
        e.container = container;
    }
    return e;
}

} // namespace tl::test
