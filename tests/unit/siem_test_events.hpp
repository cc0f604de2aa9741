// Hand-made events for the SIEM format and sink unit tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "support/event_models.hpp"
#include "pipeline/event.hpp"

namespace tl::test {

// A TCP event on 127.0.0.1:port; comm copied byte for byte (at most 15 bytes,
// as the kernel keeps it).
inline Event siem_event(EventKind kind, std::uint16_t port, const std::string &comm = "server",
                        int error = 0)
{
    Event e;
    e.kind = kind;
    e.model.error = error;
    e.wall_time_ns = 1'700'000'000'123'456'789;
    e.sequence = 7;
    SocketModel &s = e.model.socket;
    s.local = ip_address("127.0.0.1");
    s.protocol = IPPROTO_TCP;
    s.type = SOCK_STREAM;
    s.port = port;
    s.requested_port = port;
    TaskModel &t = e.model.task;
    t.pid = t.tid = 4242;
    t.ppid = 1;
    std::memcpy(t.comm, comm.data(), std::min(comm.size(), sizeof t.comm - 1));
    std::strcpy(t.parent_comm, "init");
    t.flags = TL_TASK_NO_ARGS;
    return e;
}

} // namespace tl::test
