// The fixed events every output format is checked against (tests/golden/*):
// each is a kernel record as the ring buffer would hand it over, decoded by
// the real decoder, then completed with the userspace facts enrichment would
// add.  Times and sequence numbers are pinned so the files never change.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/event_decode.hpp"
#include "snapshot/socket_snapshot.hpp"
#include "pipeline/notice.hpp"

namespace tl::golden {

struct GoldenEvent {
    std::string label;
    Event event;
};

inline constexpr std::int64_t base_time_ns = 1'700'000'000'123'456'789;

inline void put_ip(std::uint16_t family, const char *text, std::uint8_t (&out)[16])
{
    std::memset(out, 0, sizeof out);
    inet_pton(family, text, out);
}

inline void put(char *field, std::size_t size, const std::string &bytes)
{
    std::memset(field, 0, size);
    std::memcpy(field, bytes.data(), std::min(bytes.size(), size - 1));
}

template <std::size_t N> inline void put(char (&field)[N], const std::string &bytes)
{
    put(field, N, bytes);
}

inline void put_args(tl_task &t, const std::string &nul_separated)
{
    std::memset(t.args, 0, sizeof t.args);
    std::size_t n = std::min(nul_separated.size(), sizeof t.args);
    std::memcpy(t.args, nul_separated.data(), n);
    t.args_len = static_cast<__u16>(n);
}

// A TCP record on 0.0.0.0:port from a process in the host's namespaces.
inline tl_event base_record(__u32 kind, std::uint16_t port)
{
    tl_event r{};
    r.kind = kind;
    r.hook = TL_HOOK_SYSCALL_TP;
    r.via = kind == TL_EVENT_BIND || kind == TL_EVENT_LISTEN ? TL_VIA_SYSCALL : TL_VIA_UNKNOWN;
    tl_sock &s = r.sock;
    s.cookie = 0x1f2e3d4c;
    s.netns = 4026531840;
    s.family = AF_INET;
    s.protocol = IPPROTO_TCP;
    s.type = SOCK_STREAM;
    s.port = port;
    s.req_port = port;
    s.req_family = AF_INET;
    tl_task &t = r.task;
    t.start_ns = 5'000'000'000;
    t.cgroup_id = 7781;
    t.pid = 4242;
    t.tid = 4243;
    t.ppid = 1;
    t.uid = 33;
    t.gid = 33;
    t.loginuid = UINT32_MAX;
    t.sessionid = UINT32_MAX;
    t.pidns = 4026531836;
    t.mntns = 4026531841;
    put(t.comm, "nginx");
    put(t.parent_comm, "systemd");
    put(t.exe, "nginx");
    put(t.cgroup_name, "nginx.service");
    put_args(t, std::string("nginx\0-g\0daemon off;", 20));
    return r;
}

inline std::shared_ptr<ProcessDetails> nginx_details()
{
    auto p = std::make_shared<ProcessDetails>();
    p->executable = "/usr/sbin/nginx";
    p->args = {"nginx", "-g", "daemon off;"};
    p->user_name = "www-data";
    p->group_name = "www-data";
    p->start_wall_ns = 1'699'999'000'000'000'000;
    p->entity_id = "Wg0bVdyDgdbvMFqQPQaLXA";
    p->ancestors = {{1, "systemd", "/usr/lib/systemd/systemd"}};
    p->source = EnrichmentSource::Proc;
    return p;
}

inline std::shared_ptr<ContainerDetails> host_service()
{
    auto c = std::make_shared<ContainerDetails>();
    c->systemd_unit = "nginx.service";
    c->cgroup_path = "/system.slice/nginx.service";
    return c;
}

// Decoded by the real decoder (time and sequence are pinned by the caller).
inline Event decoded(const tl_event &record)
{
    auto e = decode_event(&record, sizeof record);
    if (!e)
        throw std::runtime_error("golden record does not decode");
    return *e;
}

inline std::vector<GoldenEvent> golden_events()
{
    std::vector<GoldenEvent> out;
    // Time and sequence pinned, then what userspace adds.
    auto add_event = [&](std::string label, Event e, const std::function<void(Event &)> &enrich) {
        e.wall_time_ns = base_time_ns + static_cast<std::int64_t>(out.size()) * 1'001'001;
        e.sequence = out.size() + 1;
        enrich(e);
        out.push_back({std::move(label), std::move(e)});
    };
    auto add = [&](std::string label, const tl_event &record,
                   const std::function<void(Event &)> &enrich) {
        add_event(std::move(label), decoded(record), enrich);
    };

    // 1. bind on all interfaces, SO_REUSEADDR, /proc details, host service
    {
        tl_event r = base_record(TL_EVENT_BIND, 8080);
        r.sock.options = TL_OPT_REUSEADDR;
        add("bind", r, [](Event &e) {
            e.process = nginx_details();
            e.container = host_service();
        });
    }
    // 2. failed bind: EADDRINUSE on [::1]:80, who holds the port
    {
        tl_event r = base_record(TL_EVENT_BIND, 0);
        r.error = EADDRINUSE;
        r.sock.family = AF_INET6;
        r.sock.req_family = AF_INET6;
        put_ip(AF_INET6, "::1", r.sock.req_addr);
        r.sock.req_port = 80;
        r.sock.options = TL_OPT_V6ONLY;
        r.task.loginuid = 1000;
        r.task.sessionid = 3;
        add("failed bind", r, [](Event &e) {
            e.process = nginx_details();
            e.holder_hint = "pid 811 (apache2) holds [::1]:80";
        });
    }
    // 3. listen on [::]:443, dual stack, backlog 511, a policy finding
    {
        tl_event r = base_record(TL_EVENT_LISTEN, 443);
        r.sock.family = AF_INET6;
        r.sock.backlog = 511;
        r.sock.options = TL_OPT_REUSEADDR | TL_OPT_REUSEPORT;
        r.sock.bound_dev_if = 2;
        r.flags = TL_EVENT_PRIORITY;
        add("listen", r, [](Event &e) {
            e.process = nginx_details();
            e.container = host_service();
            e.verdict = PolicyVerdict{"unexpected", "web-only-loopback", "high"};
        });
    }
    // 4. a listener closes after 2.5 s (lifetime known)
    {
        tl_event r = base_record(TL_EVENT_CLOSE, 5432);
        put_ip(AF_INET, "10.1.2.3", r.sock.addr);
        r.flags = TL_EVENT_LIFETIME_KNOWN;
        r.lifetime_ns = 2'500'000'000;
        r.hook = TL_HOOK_STATE_TP_BTF;
        add("close", r, [](Event &e) { e.process = nginx_details(); });
    }
    // 5. state change of an accepted connection (passive open, peer known)
    {
        tl_event r = base_record(TL_EVENT_STATE, 22);
        put_ip(AF_INET, "192.168.1.10", r.sock.addr);
        put_ip(AF_INET, "192.168.1.77", r.sock.peer_addr);
        r.sock.peer_port = 50522;
        r.sock.old_state = 3; // SYN_RECV
        r.sock.new_state = 1; // ESTABLISHED
        r.flags = TL_EVENT_HAS_PEER | TL_EVENT_PASSIVE_OPEN;
        r.hook = TL_HOOK_STATE_TP_BTF;
        r.task.flags = TL_TASK_FROM_OWNER;
        put(r.task.comm, "sshd");
        put(r.task.exe, "sshd");
        put_args(r.task, std::string("sshd: /usr/sbin/sshd -D", 23));
        add("state change accepted", r, [](Event &) {});
    }
    // 6. state change of a connection this host opened (client side)
    {
        tl_event r = base_record(TL_EVENT_STATE, 41000);
        put_ip(AF_INET, "10.0.0.5", r.sock.addr);
        put_ip(AF_INET, "10.0.0.9", r.sock.peer_addr);
        r.sock.peer_port = 443;
        r.sock.old_state = 2; // SYN_SENT
        r.sock.new_state = 1;
        r.flags = TL_EVENT_HAS_PEER | TL_EVENT_ACTIVE_OPEN;
        r.hook = TL_HOOK_STATE_RAW_TP;
        put(r.task.comm, "curl");
        put(r.task.exe, "curl");
        put_args(r.task, std::string("curl\0https://10.0.0.9/", 22));
        add("state change outgoing", r, [](Event &) {});
    }
    // 7. an existing listener from the start-up snapshot, shared by workers
    {
        // Built as the snapshot builds it: from sock_diag's answer and /proc.
        DiagSocket socket;
        socket.family = AF_INET;
        socket.protocol = IPPROTO_TCP;
        socket.state = 10; // TCP_LISTEN
        socket.port = 80;
        socket.cookie = 0x1f2e3d4c;
        socket.backlog = 4096;
        socket.uid = 33;
        socket.cgroup_id = 7781;
        const TaskModel holder(base_record(TL_EVENT_LISTEN, 80).task);
        add_event("existing", existing_socket_event(socket, 4026531840, &holder), [](Event &e) {
            e.process = nginx_details();
            e.container = host_service();
            SocketHolder worker;
            worker.task.pid = 4250;
            put(worker.task.comm, "nginx");
            auto wp = std::make_shared<ProcessDetails>();
            wp->executable = "/usr/sbin/nginx";
            wp->entity_id = "8xkq1y9zVqWkN3d0eGzJtA";
            worker.process = wp;
            SocketHolder other;
            other.task.pid = 4251;
            put(other.task.comm, "nginx");
            e.extra_holders = {worker, other};
            e.verdict = PolicyVerdict{"expected", "web", "info"};
        });
    }
    // 8. hostile names everywhere a process chooses them: terminal escapes,
    //    C1 controls, invalid UTF-8 (E2 82 41 is one maximal subpart), quotes,
    //    backslashes, newlines, syslog's ']' and '"'.
    {
        tl_event r = base_record(TL_EVENT_LISTEN, 31337);
        r.via = TL_VIA_IO_URING;
        r.hook = TL_HOOK_IO_URING;
        r.sock.backlog = 1;
        put(r.task.comm, std::string("\x1b[31mev\"l]\n\xc2\x9b\xe2\x82\x41", 15));
        put(r.task.parent_comm, std::string("p\\a\tr\xff", 6));
        put(r.task.exe, std::string("b\xc3\x28" "d\x7f", 5));
        put(r.task.cgroup_name, std::string("cg\x1b]0;pwn\x07\xed\xa0\x80", 12));
        put_args(r.task, std::string("\xe2\x82\x41" "arg\0--x=\"]\\\0\xf0\x9f\x98\x80 ok\0", 22));
        add("hostile names", r, [](Event &e) {
            auto p = std::make_shared<ProcessDetails>();
            p->executable = std::string("/tmp/\xc0\xafx\n", 9);
            p->args = {std::string("\xe2\x82\x41" "arg", 6), "--x=\"]\\", "\xf0\x9f\x98\x80 ok"};
            p->user_name = std::string("u\x1b[0m\xfe", 6);
            p->group_name = "g]\"";
            p->start_wall_ns = 1'699'999'999'000'000'001;
            p->entity_id = "hostileEntityId000000A";
            p->ancestors = {{1, std::string("in\xe9t", 4), std::string("/sbin/\x9b", 7)}};
            p->source = EnrichmentSource::Proc;
            e.process = p;
            auto c = std::make_shared<ContainerDetails>();
            c->cgroup_path = std::string("/user.slice/\x1b[2J\xff.scope", 21);
            c->systemd_unit = "evil\\\"unit";
            e.container = c;
            e.holder_hint = std::string("pid 9 (\x1b[1m\xc2\x85x)", 15);
        });
    }
    // 9. a process in a podman container in a Kubernetes pod
    {
        tl_event r = base_record(TL_EVENT_LISTEN, 8443);
        r.sock.backlog = 128;
        r.task.pidns = 4026532500;
        r.task.mntns = 4026532501;
        r.sock.netns = 4026532502;
        put(r.task.cgroup_name, "libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope");
        add("container", r, [](Event &e) {
            e.process = nginx_details();
            auto c = std::make_shared<ContainerDetails>();
            c->id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
            c->runtime = "podman";
            c->pod_uid = "6f1c2a34-5b6d-4e7f-8091-a2b3c4d5e6f7";
            c->cgroup_path = "/machine.slice/libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
            e.container = c;
        });
    }
    // 10. the process exited before /proc could be read: only what the kernel
    //     captured, its command line cut
    {
        tl_event r = base_record(TL_EVENT_BIND, 9000);
        r.sock.protocol = IPPROTO_UDP;
        r.sock.type = SOCK_DGRAM;
        put_ip(AF_INET, "127.0.0.1", r.sock.addr);
        put_ip(AF_INET, "127.0.0.1", r.sock.req_addr);
        r.task.flags = TL_TASK_ARGS_TRUNCATED;
        put(r.task.comm, "short-lived");
        put(r.task.exe, "short-lived");
        put_args(r.task, std::string("short-lived\0--port\0", 19));
        add("exited process", r, [](Event &) {});
    }
    // 11. the same, with the user/group names userspace still resolved
    {
        tl_event r = base_record(TL_EVENT_LISTEN, 53);
        r.sock.protocol = IPPROTO_UDP;
        r.sock.type = SOCK_DGRAM;
        put_ip(AF_INET, "127.0.0.53", r.sock.addr);
        add("exited process kernel details", r, [](Event &e) {
            auto p = std::make_shared<ProcessDetails>();
            p->user_name = "systemd-resolve";
            p->group_name = "systemd-resolve";
            p->entity_id = "kernelOnlyEntityId0000A";
            p->source = EnrichmentSource::Kernel;
            e.process = p;
        });
    }
    // 12. a socket no process holds (a softirq transition): pid 0
    {
        tl_event r = base_record(TL_EVENT_CLOSE, 6000);
        r.hook = TL_HOOK_STATE_RAW_TP;
        std::memset(&r.task, 0, sizeof r.task);
        r.task.flags = TL_TASK_FROM_SOCKET;
        r.task.uid = 0;
        r.task.cgroup_id = 1;
        add("no process", r, [](Event &) {});
    }
    // 13. an in-kernel listener (via kernel), IPv6 address, SCTP
    {
        tl_event r = base_record(TL_EVENT_LISTEN, 2049);
        r.via = TL_VIA_KERNEL;
        r.hook = TL_HOOK_STATE_TP;
        r.sock.family = AF_INET6;
        r.sock.protocol = IPPROTO_SCTP;
        put_ip(AF_INET6, "fd00::1:2", r.sock.addr);
        std::memset(&r.task, 0, sizeof r.task);
        r.task.loginuid = UINT32_MAX;
        add("kernel listener", r, [](Event &) {});
    }
    return out;
}

inline DropReport golden_drop_report()
{
    DropReport r;
    r.wall_time_ns = base_time_ns + 99'000'000'000;
    r.sequence = 100;
    r.per_cpu = {12, 0, 3};
    r.total = 15;
    r.userspace_dropped = 4;
    r.kernel_map_dropped = 2;
    r.dropped_by_class = {14, 1};
    return r;
}

// A record's minute seal, as `record` hands it to the log sinks.
inline ChainHeadNotice golden_chain_head()
{
    ChainHeadNotice n;
    n.wall_time_ns = base_time_ns + 120'000'000'000;
    n.file = "/var/log/trace-listen/audit.tlr";
    n.file_index = 2;
    n.frame = 57;
    n.offset = 183'204;
    n.reason = "minute";
    n.head = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    n.records = 1234;
    return n;
}

} // namespace tl::golden
