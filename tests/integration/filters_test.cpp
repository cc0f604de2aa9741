// Each in-kernel filter: the matching event arrives, the others do not.
// Non-matching sockets are made first, so by the time the matching event is
// seen any non-matching one would already have been printed.
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

std::vector<std::string> traced(std::vector<std::string> filter)
{
    std::vector<std::string> args = {"-o", "json", "--no-snapshot"};
    args.insert(args.end(), filter.begin(), filter.end());
    return args;
}

// Waits for the marker event (a listen on `port`), then stops the tracer and
// returns everything it printed.
std::vector<Json> lines_until_listen(TracerProcess &tracer, int port)
{
    auto marker = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/server/port"_json_pointer, -1) == port;
    });
    INFO("stdout:\n" << tracer.out() << "\nstderr:\n" << tracer.err());
    REQUIRE(marker);
    tracer.stop();
    return tracer.json_lines();
}

bool any_with_port(const std::vector<Json> &lines, int port)
{
    for (const auto &l : lines)
        if (l.value("/server/port"_json_pointer, -1) == port)
            return true;
    return false;
}

} // namespace

TEST_CASE("the --port flag keeps only that local port")
{
    TL_REQUIRE_BPF();
    Fd reserve = tcp_listener("127.0.0.1", 0, -1); // find a free port, then free it
    int wanted = local_port(reserve.get());
    reserve.reset();
    TracerProcess tracer(traced({"--port", std::to_string(wanted)}));
    Fd other = tcp_listener("127.0.0.1", 0);
    Fd match = tcp_listener("127.0.0.1", wanted);
    auto lines = lines_until_listen(tracer, wanted);
    CHECK_FALSE(any_with_port(lines, local_port(other.get())));
    for (const auto &l : lines)
        if (l["event"]["kind"] == "event")
            CHECK(l["server"]["port"] == wanted);
}

TEST_CASE("the --pid flag keeps only that process")
{
    TL_REQUIRE_BPF();
    Gate go;
    pid_t child = spawn([&] {
        go.wait();
        Fd fd = tcp_listener("127.0.0.1", 40111);
        return 0;
    });
    TracerProcess tracer(traced({"--pid", std::to_string(child)}));
    Fd mine = tcp_listener("127.0.0.1", 0);
    go.open();
    REQUIRE(wait_child(child) == 0);
    auto lines = lines_until_listen(tracer, 40111);
    CHECK_FALSE(any_with_port(lines, local_port(mine.get())));
    for (const auto &l : lines)
        if (l["event"]["kind"] == "event")
            CHECK(l["process"]["pid"] == child);
}

TEST_CASE("the --netns flag keeps only that network namespace")
{
    TL_REQUIRE_BPF();
    NetNamespace ns("tl-test-filter");
    TracerProcess tracer(traced({"--netns", ns.path()}));
    Fd host = tcp_listener("127.0.0.1", 0);
    pid_t child = ns.spawn_inside([] {
        Fd fd = tcp_listener("127.0.0.1", 40112);
        return 0;
    });
    REQUIRE(wait_child(child) == 0);
    auto lines = lines_until_listen(tracer, 40112);
    CHECK_FALSE(any_with_port(lines, local_port(host.get())));
    for (const auto &l : lines)
        if (l["event"]["kind"] == "event")
            CHECK(l["trace_listen"]["netns"] == ns.inode());
}

TEST_CASE("the --cgroup flag keeps only that cgroup v2")
{
    TL_REQUIRE_BPF();
    std::string root = shell("findmnt -n -o TARGET -t cgroup2 | head -1");
    root.erase(root.find_last_not_of("\n") + 1);
    REQUIRE_FALSE(root.empty());
    std::string dir = root + "/tl-test-filter";
    rmdir(dir.c_str());
    REQUIRE(mkdir(dir.c_str(), 0755) == 0);
    Gate go;
    pid_t child = spawn([&] {
        go.wait();
        Fd fd = tcp_listener("127.0.0.1", 40113);
        return 0;
    });
    {
        std::ofstream procs(dir + "/cgroup.procs");
        procs << child << std::endl;
    }
    TracerProcess tracer(traced({"--cgroup", dir}));
    Fd outside = tcp_listener("127.0.0.1", 0);
    go.open();
    REQUIRE(wait_child(child) == 0);
    auto lines = lines_until_listen(tracer, 40113);
    CHECK_FALSE(any_with_port(lines, local_port(outside.get())));
    struct stat st {};
    REQUIRE(stat(dir.c_str(), &st) == 0);
    for (const auto &l : lines)
        if (l["event"]["kind"] == "event")
            CHECK(l["trace_listen"]["cgroup_id"] == st.st_ino);
    rmdir(dir.c_str());
}

TEST_CASE("flags -4 and -6 keep one address family")
{
    TL_REQUIRE_BPF();
    {
        TracerProcess tracer(traced({"-6"}));
        Fd v4 = tcp_listener("127.0.0.1", 0);
        Fd v6 = tcp_listener("::1", 0);
        auto lines = lines_until_listen(tracer, local_port(v6.get()));
        CHECK_FALSE(any_with_port(lines, local_port(v4.get())));
        for (const auto &l : lines)
            if (l["event"]["kind"] == "event")
                CHECK(l["network"]["type"] == "ipv6");
    }
    {
        TracerProcess tracer(traced({"-4"}));
        Fd v6 = tcp_listener("::1", 0);
        Fd v4 = tcp_listener("127.0.0.1", 0);
        auto lines = lines_until_listen(tracer, local_port(v4.get()));
        CHECK_FALSE(any_with_port(lines, local_port(v6.get())));
    }
}

TEST_CASE("flags --tcp and --udp keep one transport")
{
    TL_REQUIRE_BPF();
    {
        TracerProcess tracer(traced({"--tcp"}));
        Fd udp = udp_bound("127.0.0.1", 0);
        Fd tcp = tcp_listener("127.0.0.1", 0);
        auto lines = lines_until_listen(tracer, local_port(tcp.get()));
        CHECK_FALSE(any_with_port(lines, local_port(udp.get())));
    }
    {
        TracerProcess tracer(traced({"--udp", "--events", "bind"}));
        Fd tcp = tcp_listener("127.0.0.1", 0);
        Fd udp = udp_bound("127.0.0.1", 0);
        int port = local_port(udp.get());
        auto bound = tracer.wait_for_json([&](const Json &j) {
            return j.value("/server/port"_json_pointer, -1) == port;
        });
        REQUIRE(bound);
        tracer.stop();
        auto lines = tracer.json_lines();
        CHECK_FALSE(any_with_port(lines, local_port(tcp.get())));
        for (const auto &l : lines)
            if (l["event"]["kind"] == "event")
                CHECK(l["network"]["transport"] == "udp");
    }
}

TEST_CASE("the --comm flag keeps only processes with that name")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer(traced({"--comm", "tl-wanted"}));
    pid_t other = spawn([] {
        prctl(PR_SET_NAME, "tl-other");
        Fd fd = tcp_listener("127.0.0.1", 40114);
        return 0;
    });
    REQUIRE(wait_child(other) == 0);
    pid_t wanted = spawn([] {
        prctl(PR_SET_NAME, "tl-wanted");
        Fd fd = tcp_listener("127.0.0.1", 40115);
        return 0;
    });
    REQUIRE(wait_child(wanted) == 0);
    auto lines = lines_until_listen(tracer, 40115);
    CHECK_FALSE(any_with_port(lines, 40114));
}

TEST_CASE("the --port filter keeps the close of a listener found by the snapshot")
{
    TL_REQUIRE_BPF();
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    // Started after the listen: the tracer knows this listener only from the
    // snapshot, and the kernel has released the port when the close fires.
    TracerProcess tracer({"-o", "json", "--port", std::to_string(port)});
    REQUIRE(tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-existing" &&
               j.value("/server/port"_json_pointer, -1) == port;
    }));
    fd.reset();
    auto close = tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-close";
    });
    INFO(tracer.out());
    REQUIRE(close);
    CHECK((*close)["server"]["port"] == port);
    CHECK((*close)["process"]["pid"] == getpid());
}
