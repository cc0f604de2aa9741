// What a user sees when the command line or the machine is not right.
#include <csignal>
#include <unistd.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "support/kernel_hooks.hpp"
#include "support/skip.hpp"

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
                                tracer_binary() + " --duration 1 2>&1; echo rc=$?")
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

TEST_CASE("a closed stdout ends the trace cleanly - trace-listen -o json | head -1 ends")
{
    TL_REQUIRE_BPF();
    Fd fd = tcp_listener("127.0.0.1", 0); // at least one snapshot line
    std::string out =
        try_shell(std::string("bash -c 'timeout 30 ") + tracer_binary() +
                  " -o json 2>/tmp/tl-head-$$.err | head -1 >/dev/null; "
                  "echo rc=${PIPESTATUS[0]}; cat /tmp/tl-head-$$.err; rm -f /tmp/tl-head-$$.err'")
            .value_or("");
    INFO(out);
    CHECK(out.find("rc=0\n") != std::string::npos); // rc=124: killed by timeout before
    CHECK(out.find("stdout was closed by its reader") != std::string::npos);
    CHECK(out.find("sinks=0") != std::string::npos); // a reader leaving is not a loss
}

TEST_CASE("tracefs mounted but not readable is named as such - not as missing")
{
    TL_REQUIRE_BPF();
    if (!try_shell("command -v setpriv")) {
        TL_SKIP("needs setpriv");
    }
    if (!try_shell("grep -q ' tracefs ' /proc/self/mounts"))
        try_shell("mount -t tracefs nodev /sys/kernel/tracing");
    // Capabilities without root: uid nobody with CAP_BPF and CAP_PERFMON.
    std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups "
                            "--inh-caps=+bpf,+perfmon,+net_admin "
                            "--ambient-caps=+bpf,+perfmon,+net_admin ";
    if (try_shell(as_nobody + "test -x /sys/kernel/tracing/events")) {
        TL_SKIP("tracefs is readable by uid 65534 here (mode not 0700)");
    }
    auto run = [&](const std::string &flags) {
        return try_shell(as_nobody + tracer_binary() + " " + flags +
                         " --no-snapshot --duration 1 2>&1; echo rc=$?")
            .value_or("");
    };
    // Forced onto the syscall tracepoints, which need tracefs: on any kernel.
    std::string forced = run("--bind-hook syscall");
    INFO(forced);
    CHECK(forced.find("rc=1\n") != std::string::npos);
    CHECK(forced.find("tracefs is mounted at /sys/kernel/tracing but this process") !=
          std::string::npos);
    CHECK(forced.find("not mounted") == std::string::npos);
    // Left to choose: a kernel with fexit or kprobes needs no tracefs and
    // traces; one with only the syscall tracepoints gives the same error.
    std::string chosen = run("");
    INFO(chosen);
    if (best_bind_hook() == "syscall-tracepoints") {
        CHECK(chosen.find("rc=1\n") != std::string::npos);
        CHECK(chosen.find("tracefs is mounted at /sys/kernel/tracing but this process") !=
              std::string::npos);
    } else {
        CHECK(chosen.find("rc=0\n") != std::string::npos);
        CHECK(chosen.find("bind/listen=" + best_bind_hook()) != std::string::npos);
        CHECK(chosen.find("tracing;") != std::string::npos);
    }
}
