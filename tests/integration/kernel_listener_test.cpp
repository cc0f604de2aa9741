// A listener the kernel opens itself (issue 10): no listen() syscall and no
// io_uring request.  RDS over TCP (module rds_tcp) opens one on port 16385 in
// every network namespace as the namespace is created.  Runs where that
// module can be loaded (e.g. Debian's stock kernel); unloads it again after.
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include <catch2/catch.hpp>

#include "support/skip.hpp"

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

constexpr int rds_tcp_port = 16385; // net/rds/tcp.h RDS_TCP_PORT

// Loads rds_tcp for the test's lifetime, if it was not loaded already.
class RdsTcpModule {
public:
    RdsTcpModule()
    {
        struct stat st {};
        already_ = stat("/sys/module/rds_tcp", &st) == 0;
        loaded_ = already_ || try_shell("modprobe rds_tcp 2>/dev/null").has_value();
    }
    ~RdsTcpModule()
    {
        if (loaded_ && !already_)
            try_shell("modprobe -r rds_tcp rds 2>/dev/null");
    }
    bool loaded() const { return loaded_; }

private:
    bool already_ = false, loaded_ = false;
};

} // namespace

TEST_CASE("a listener the kernel opens itself is reported once - as via kernel")
{
    TL_REQUIRE_BPF();
    RdsTcpModule rds;
    if (!rds.loaded()) {
        TL_SKIP("module rds_tcp cannot be loaded here (no in-kernel TCP listener to test)");
    }
    // auto: inet_listen's probes where the kernel has them; syscall: only the
    // TCP state change can see it (the catch-all).
    auto hook = GENERATE(as<std::string>{}, "auto", "syscall");
    INFO("--bind-hook " << hook);
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--bind-hook", hook, "--port",
                          std::to_string(rds_tcp_port)});
    std::uint32_t inode = 0;
    {
        NetNamespace ns("tl-kernel-listener"); // rds_tcp listens in it as it is made
        inode = ns.inode();
        auto listen = tracer.wait_for_json([&](const Json &j) {
            return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
                   j.value("/trace_listen/netns"_json_pointer, 0u) == inode;
        });
        INFO(tracer.out() << tracer.err());
        REQUIRE(listen.has_value());
        CHECK((*listen)["trace_listen"]["via"] == "kernel");
        CHECK((*listen)["server"]["port"] == rds_tcp_port);
        CHECK((*listen)["trace_listen"]["exposure"] == "all-interfaces");
    }
    std::this_thread::sleep_for(500ms);
    REQUIRE(tracer.stop() == 0);
    int listens = 0;
    for (const auto &j : tracer.json_lines())
        listens += j.value("/event/action"_json_pointer, "") == "socket-listen" &&
                   j.value("/trace_listen/netns"_json_pointer, 0u) == inode;
    CHECK(listens == 1);
}
