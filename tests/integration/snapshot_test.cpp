// The start-up snapshot and `trace-listen snapshot`: sockets that already
// listen or are bound, in every network namespace, with their processes.
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

// A child process named `name` holding a socket made by `open` until killed.
class Holder {
public:
    Holder(const char *name, std::function<Fd()> open,
           const std::function<pid_t(const std::function<int()> &)> &start = spawn)
    {
        int ready[2];
        REQUIRE(pipe(ready) == 0);
        pid_ = start([&] {
            prctl(PR_SET_NAME, name);
            Fd fd = open();
            std::uint16_t port = local_port(fd.get());
            if (write(ready[1], &port, sizeof port) != sizeof port)
                return 1;
            pause();
            return 0;
        });
        close(ready[1]);
        REQUIRE(read(ready[0], &port_, sizeof port_) == sizeof port_);
        close(ready[0]);
    }
    ~Holder() { stop(); }
    void stop()
    {
        if (pid_ <= 0)
            return;
        kill(pid_, SIGKILL);
        wait_child(pid_);
        pid_ = -1;
    }
    pid_t pid() const { return pid_; }
    std::uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

std::vector<Json> run_snapshot(std::vector<std::string> args)
{
    args.insert(args.begin(), {"snapshot", "-o", "json"});
    TracerProcess snapshot(args, false);
    INFO(snapshot.err());
    REQUIRE(snapshot.wait() == 0);
    return snapshot.json_lines();
}

std::vector<Json> on_port(const std::vector<Json> &lines, int port)
{
    std::vector<Json> out;
    for (auto &j : lines)
        if (j.value("/server/port"_json_pointer, -1) == port)
            out.push_back(j);
    return out;
}

} // namespace

TEST_CASE("a listener started before the tracer is in its snapshot with pid and name")
{
    TL_REQUIRE_BPF();
    Holder old("tl-snap-old", [] { return tcp_listener("127.0.0.1", 0, 9); });
    // No --port filter: the kernel-side port filter cannot match the close
    // of a socket it never saw listen (its port is released by then).
    TracerProcess tracer({"-o", "json", "--events", "close"});

    auto e = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-existing" &&
               j.value("/server/port"_json_pointer, -1) == old.port();
    });
    INFO(tracer.out() << tracer.err());
    REQUIRE(e.has_value());
    CHECK((*e)["process"]["pid"] == old.pid());
    CHECK((*e)["process"]["name"] == "tl-snap-old");
    CHECK((*e)["process"]["parent"]["pid"] == getpid());
    CHECK((*e)["server"]["ip"] == "127.0.0.1");
    CHECK((*e)["server"]["port"] == old.port());
    CHECK((*e)["network"]["transport"] == "tcp");
    CHECK((*e)["trace_listen"]["backlog"] == 9);
    CHECK((*e)["trace_listen"]["netns"] == current_netns_inode());
    CHECK((*e)["trace_listen"]["socket_cookie"].get<std::uint64_t>() != 0);
    CHECK((*e)["trace_listen"]["enrichment"] == "proc");

    // It joined the live table: its close is reported with its port and cookie.
    old.stop();
    auto close = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-close" &&
               j.value("/trace_listen/socket_cookie"_json_pointer, 0ULL) ==
                   (*e)["trace_listen"]["socket_cookie"].get<std::uint64_t>();
    });
    INFO(tracer.out());
    REQUIRE(close.has_value());
    CHECK((*close)["server"]["port"] == (*e)["server"]["port"]);
}

TEST_CASE("the snapshot finds a listener inside another network namespace")
{
    TL_REQUIRE_BPF();
    NetNamespace ns("tl-attr-snap");
    Holder inside(
        "tl-snap-ns", [] { return tcp_listener("0.0.0.0", 0); },
        [&](const std::function<int()> &body) { return ns.spawn_inside(body); });

    auto found = on_port(run_snapshot({"--port", std::to_string(inside.port())}), inside.port());
    bool seen = false;
    for (auto &j : found) {
        if (j["process"]["pid"] != inside.pid())
            continue;
        seen = true;
        CHECK(j["process"]["name"] == "tl-snap-ns");
        CHECK(j["trace_listen"]["netns"] == ns.inode());
        CHECK(j["trace_listen"]["netns"] != current_netns_inode());
        CHECK(j["event"]["action"] == "socket-existing");
    }
    CHECK(seen);

    // --netns narrows the snapshot to that namespace.
    auto only = run_snapshot({"--netns", ns.path()});
    REQUIRE_FALSE(only.empty());
    for (auto &j : only)
        CHECK(j["trace_listen"]["netns"] == ns.inode());
}

TEST_CASE("the snapshot reports bound UDP and IPv6 sockets")
{
    TL_REQUIRE_BPF();
    Holder udp6("tl-snap-udp6", [] { return udp_bound("::1", 0); });
    Holder tcp6("tl-snap-tcp6", [] {
        Fd fd(socket(AF_INET6, SOCK_STREAM, 0));
        int one = 1;
        setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        listen(fd.get(), 3);
        return fd;
    });
    auto lines = run_snapshot({"--port", std::to_string(udp6.port()), "--port",
                               std::to_string(tcp6.port())});
    auto u = on_port(lines, udp6.port());
    auto t = on_port(lines, tcp6.port());
    REQUIRE(u.size() >= 1);
    REQUIRE(t.size() >= 1);
    bool udp_seen = false, tcp_seen = false;
    for (auto &j : u)
        if (j["process"]["pid"] == udp6.pid() && j["network"]["transport"] == "udp") {
            udp_seen = true;
            CHECK(j["network"]["type"] == "ipv6");
            CHECK(j["server"]["ip"] == "::1");
            CHECK(j["process"]["name"] == "tl-snap-udp6");
        }
    for (auto &j : t)
        if (j["process"]["pid"] == tcp6.pid() && j["network"]["transport"] == "tcp") {
            tcp_seen = true;
            CHECK(j["trace_listen"]["options"] == Json::array({"IPV6_V6ONLY"}));
            CHECK(j["trace_listen"]["dual_stack"] == false);
        }
    CHECK(udp_seen);
    CHECK(tcp_seen);
}

TEST_CASE("a listener shared by forked processes lists the other holders")
{
    TL_REQUIRE_BPF();
    // The parent listens, then forks a worker that inherits the socket.
    Holder server("tl-snap-master", [] {
        Fd fd = tcp_listener("127.0.0.1", 0);
        if (fork() == 0) {
            prctl(PR_SET_NAME, "tl-snap-worker");
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            pause();
            _exit(0);
        }
        return fd;
    });
    // The worker may still be renaming itself: wait until it has.
    std::optional<Json> e;
    for (int attempt = 0; attempt < 50 && !e; ++attempt) {
        for (auto &j : on_port(run_snapshot({"--port", std::to_string(server.port())}), server.port()))
            if (j["process"]["pid"] == server.pid() && j["trace_listen"].contains("other_holders") &&
                j["trace_listen"]["other_holders"][0]["name"] == "tl-snap-worker")
                e = j;
        if (!e)
            usleep(100'000);
    }
    REQUIRE(e.has_value());
    CHECK((*e)["process"]["name"] == "tl-snap-master");
    CHECK((*e)["trace_listen"]["other_holders"].size() == 1);
    CHECK((*e)["trace_listen"]["other_holders"][0]["pid"].get<int>() > server.pid());
}

TEST_CASE("snapshot rejects bad filters with a usage error")
{
    TracerProcess bad({"snapshot", "--netns", "/nonexistent/ns"}, false);
    CHECK(bad.wait() == 2);
    CHECK(bad.err().find("--netns") != std::string::npos);
    TracerProcess format({"snapshot", "-o", "xml"}, false);
    CHECK(format.wait() == 2);
}
