// What a user sees when the command line or the machine is not right.
#include <csignal>
#include <unistd.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {
int run(std::vector<std::string> args, std::string &err)
{
    TracerProcess p(std::move(args), false);
    int rc = p.wait(20s);
    err = p.err();
    return rc;
}
} // namespace

TEST_CASE("bad flags and values exit 2 naming the flag")
{
    std::string err;
    CHECK(run({"--no-such-flag"}, err) == 2);
    CHECK(err.find("--no-such-flag") != std::string::npos);

    CHECK(run({"--port", "notaport"}, err) == 2);
    CHECK(err.find("--port") != std::string::npos);

    CHECK(run({"--port", "70000"}, err) == 2);
    CHECK(err.find("--port") != std::string::npos);

    CHECK(run({"-o", "xml"}, err) == 2);
    CHECK(err.find("--output") != std::string::npos);

    CHECK(run({"--events", "bind,teleport"}, err) == 2);
    CHECK(err.find("--events") != std::string::npos);
    CHECK(err.find("teleport") != std::string::npos);

    CHECK(run({"--ringbuf-size", "3000"}, err) == 2);
    CHECK(err.find("--ringbuf-size") != std::string::npos);

    CHECK(run({"--netns", "/no/such/netns"}, err) == 2);
    CHECK(err.find("--netns") != std::string::npos);

    CHECK(run({"-4", "-6"}, err) == 2);
    CHECK(err.find("-4") != std::string::npos);

    CHECK(run({"--duration", "-1"}, err) == 2);
    CHECK(err.find("--duration") != std::string::npos);
}

TEST_CASE("without BPF privileges it exits 1 with one line naming CAP_BPF and CAP_PERFMON")
{
    if (geteuid() != 0)
        TL_SKIP("needs root to drop to an unprivileged user");
    std::string out = try_shell(std::string("setpriv --reuid=65534 --regid=65534 --clear-groups ") +
                                TRACE_LISTEN_BINARY + " --duration 1 2>&1; echo rc=$?")
                          .value_or("");
    INFO(out);
    CHECK(out.find("rc=1\n") != std::string::npos); // not rc=126: the binary did run
    CHECK(out.find("CAP_BPF") != std::string::npos);
    CHECK(out.find("CAP_PERFMON") != std::string::npos);
    // One line: the message, not a stack of errors.
    CHECK(std::count(out.begin(), out.end(), '\n') == 2);
}

TEST_CASE("the --duration flag stops the trace by itself with exit 0")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer({"--duration", "1", "--no-snapshot"});
    CHECK(tracer.wait(20s) == 0);
    CHECK(tracer.err().find("events:") != std::string::npos);
}

TEST_CASE("SIGTERM stops the trace - flushes and prints the summary")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--pid", std::to_string(getpid())});
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    REQUIRE(tracer.wait_for_json(
        [&](const Json &j) { return j.value("/server/port"_json_pointer, -1) == port; }));
    CHECK(tracer.stop(SIGTERM) == 0);
    CHECK(tracer.err().find("socket-listen=1") != std::string::npos);
}
