// The command line as a new user meets it (issue 12): sizes, ports, messages,
// flags after the command, exit codes, formats, colours, and what the table
// and JSON show for real sockets - checked against ss where ss shows the same.
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "support/skip.hpp"

#include "support/sockets.hpp"
#include "support/temp_dir.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

struct Run {
    int status;
    std::string out, err;
};

Run run(std::vector<std::string> args)
{
    TracerProcess p(std::move(args), /*wait_ready=*/false);
    int status = p.wait(60s);
    return {status, p.out(), p.err()};
}

// Through a shell (for environment variables and a pseudo-terminal).
Run run_shell(const std::string &command)
{
    std::string out = try_shell(command + "; echo rc=$?").value_or("");
    auto at = out.rfind("rc=");
    int status = at == std::string::npos ? -1 : std::stoi(out.substr(at + 3));
    return {status, out.substr(0, at), ""};
}

std::string binary() { return tracer_binary(); }

} // namespace

TEST_CASE("size flags: one parser - G everywhere, no negatives, overflow is an error")
{
    TempDir dir;
    const std::string never_tlr = (dir.path / "never.tlr").string();
    const std::string never_json = (dir.path / "never.json").string();
    Run r = run({"--ringbuf-size", "17592186044420M"}); // was taken as 4M
    CHECK(r.status == 2);
    CHECK(r.err.find("trace-listen: error: --ringbuf-size: '17592186044420M' is too large") !=
          std::string::npos);
    r = run({"--ringbuf-size", "2G"});
    CHECK(r.status == 2);
    CHECK(r.err.find("power of two from 4K to 1G") != std::string::npos);
    r = run({"record", "-w", never_tlr, "--rotate-size", "-1K"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--rotate-size: '-1K' is not a size") != std::string::npos);
    r = run({"--sink", "file:" + never_json + ",max-size=-5M"});
    CHECK(r.status == 2);
    CHECK(r.err.find("max-size=-5M") != std::string::npos);
    const bool colon_file_was_there = std::filesystem::exists(":");
    r = run({"--sink", "file::"});
    CHECK(r.status == 2);
    CHECK(r.err.find("trace-listen: error: --sink 'file::'") != std::string::npos);
    if (!colon_file_was_there) // the old parser created a file named ':' here
        CHECK_FALSE(std::filesystem::exists(":"));
    CHECK_FALSE(std::filesystem::exists(never_tlr));
    CHECK_FALSE(std::filesystem::exists(never_json));

    TL_REQUIRE_BPF();
    // 1G was refused while the other size flags took G.
    Run ok = run({"record", "-w", (dir.path / "r.tlr").string(), "--ringbuf-size", "1G",
                  "--rotate-size", "1G", "--duration", "0.3", "--no-snapshot", "--pid", "1"});
    INFO(ok.err);
    CHECK(ok.status == 0);
    CHECK(ok.err.find("--ringbuf-size") == std::string::npos);
}

TEST_CASE("the --port flag takes service names and comma lists - --port 0 and an empty --comm are refused")
{
    Run r = run({"--port", "0"});
    CHECK(r.status == 2);
    CHECK(r.err.find("trace-listen: error: --port: '0' is out of range; expected 1-65535") !=
          std::string::npos);
    r = run({"--port", "70000"});
    CHECK(r.status == 2);
    CHECK(r.err.find("1-65535") != std::string::npos);
    r = run({"--port", "no-such-service"});
    CHECK(r.status == 2);
    CHECK(r.err.find("'no-such-service' is neither a port") != std::string::npos);
    r = run({"--port", "80,,443"});
    CHECK(r.status == 2);
    r = run({"--comm", ""});
    CHECK(r.status == 2);
    CHECK(r.err.find("--comm") != std::string::npos);
    CHECK(r.err.find("must not be empty") != std::string::npos);

    TL_REQUIRE_BPF();
    // tcpmux is 1/tcp, echo 7/tcp (/etc/services); the third port is not asked for.
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--tcp", "--events", "listen", "--pid",
                          std::to_string(getpid()), "--port", "tcpmux,echo"});
    Fd other = tcp_listener("127.0.0.1", 0);
    Fd one = tcp_listener("127.0.0.1", 1);
    Fd seven = tcp_listener("127.0.0.1", 7);
    expect_event(tracer, "socket-listen", 1);
    expect_event(tracer, "socket-listen", 7);
    CHECK(tracer.stop() == 0);
    int other_port = local_port(other.get());
    for (const auto &line : tracer.json_lines())
        CHECK(line.value("/server/port"_json_pointer, -1) != other_port);
}

TEST_CASE("CLI11's own errors say trace-listen: error: and name the valid range")
{
    Run r = run({"--duration", "0"});
    CHECK(r.status == 2);
    CHECK(r.err.rfind("trace-listen: error: ", 0) == 0);
    CHECK(r.err.find("above 0") != std::string::npos);
    r = run({"--no-such-flag"});
    CHECK(r.err.rfind("trace-listen: error: ", 0) == 0);
    r = run({"--ancestors", "99"});
    CHECK(r.err.rfind("trace-listen: error: ", 0) == 0);
    CHECK(r.err.find("not in range 0 to 64") != std::string::npos);
    for (const char *count : {"0", "-1"}) { // -1 was taken as 2^64-1: never stop
        r = run({"--count", count});
        CHECK(r.status == 2);
        CHECK(r.err.find("--count: '" + std::string(count) + "' must be a whole number of events, 1 or more") !=
              std::string::npos);
    }
}

TEST_CASE("the --log-level, -q and --color flags work after the command name too")
{
    Run r = run({"snapshot", "--log-level", "warn", "--port", "1"});
    CHECK(r.status == 0);
    CHECK(r.err.find("info:") == std::string::npos);
    r = run({"snapshot", "-q", "--port", "1"});
    CHECK(r.status == 0);
    CHECK(r.err.find("info:") == std::string::npos);
    r = run({"snapshot", "--port", "1"});
    CHECK(r.err.find("info:") != std::string::npos); // the default still says what it did
    r = run({"baseline", "save", "-", "--log-level", "error", "--port", "1"});
    CHECK(r.status == 0);
    r = run({"snapshot", "--color", "sometimes"});
    CHECK(r.status == 2);
}

TEST_CASE("every flag is checked before the BPF programs load")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    const std::string never = (dir.path / "never.tlr").string();
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"--metrics-addr", ":99999"},
          std::vector<std::string>{"--metrics-addr", "no-port"},
          std::vector<std::string>{"record", "-w", never, "--metrics-addr", ":99999"}}) {
        Run r = run(args);
        INFO(r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find("--metrics-addr") != std::string::npos);
        CHECK(r.err.find("hooks:") == std::string::npos); // logged once programs are loaded
    }
    CHECK_FALSE(std::filesystem::exists(never)); // nor is the record started
    // A busy port is found before loading too.
    Fd busy = tcp_listener("127.0.0.1", 0);
    Run r = run({"--metrics-addr", "127.0.0.1:" + std::to_string(local_port(busy.get()))});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("cannot listen") != std::string::npos);
    CHECK(r.err.find("hooks:") == std::string::npos);
}

TEST_CASE("snapshot -o ocsf and replay -o ocsf print OCSF")
{
    TL_REQUIRE_BPF();
    Fd listener = tcp_listener("127.0.0.1", 0);
    std::string port = std::to_string(local_port(listener.get()));
    TracerProcess snap({"snapshot", "-o", "ocsf", "--port", port}, false);
    REQUIRE(snap.wait(60s) == 0);
    auto lines = snap.json_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["class_uid"] == 4001);
    CHECK(lines[0]["actor"]["process"]["pid"] == getpid());

    TempDir dir;
    std::string file = (dir.path / "r.tlr").string();
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot",
                       "--sink", "stdout:json"});
    Fd recorded = tcp_listener("127.0.0.1", 0);
    port = std::to_string(local_port(recorded.get()));
    expect_event(rec, "socket-listen", std::stoi(port));
    REQUIRE(rec.stop() == 0);
    TracerProcess replay({"replay", file, "-o", "ocsf"}, false);
    REQUIRE(replay.wait(60s) == 0);
    auto replayed = replay.json_lines();
    REQUIRE_FALSE(replayed.empty());
    CHECK(replayed[0]["class_uid"] == 4001);
    CHECK(replayed[0]["dst_endpoint"]["port"] == std::stoi(port));
}

TEST_CASE("the Ctrl-C hint is shown only when stderr is a terminal")
{
    TL_REQUIRE_BPF();
    Run piped = run({"--duration", "0.3", "--no-snapshot", "--pid", "1"});
    CHECK(piped.status == 0);
    CHECK(piped.err.find("Ctrl-C") == std::string::npos);
    CHECK(piped.err.find("tracing; pid ") != std::string::npos);
    // script(1) gives it a pseudo-terminal.
    Run tty = run_shell("script -qec '" + binary() + " --duration 0.3 --no-snapshot --pid 1' /dev/null");
    CHECK(tty.status == 0);
    CHECK(tty.out.find("tracing; Ctrl-C to stop") != std::string::npos);
    Run quiet = run({"--duration", "0.3", "--no-snapshot", "--pid", "1", "-q"});
    CHECK(quiet.status == 0);
    CHECK(quiet.err.empty());
}

TEST_CASE("the --help text ends with examples and the exit codes of every command")
{
    Run r = run({"--help"});
    CHECK(r.status == 0);
    auto examples = r.out.find("Examples:");
    auto codes = r.out.find("Exit codes:");
    REQUIRE(examples != std::string::npos);
    REQUIRE(codes != std::string::npos);
    CHECK(examples < codes);
    for (const char *command : {"trace, record", "snapshot", "replay", "check", "baseline save"})
        CHECK(r.out.find(command, codes) != std::string::npos);
    CHECK(r.out.find("3  events were lost", codes) != std::string::npos);
    CHECK(r.out.find("--allow-loss") != std::string::npos);
}

TEST_CASE("a trace that lost events exits 3, unless --allow-loss")
{
    TL_REQUIRE_BPF();
    // A syslog collector that does not exist, with room for one record.
    Fd reserved = tcp_listener("127.0.0.1", 0, 0);
    std::uint16_t dead = local_port(reserved.get());
    reserved.reset();
    for (bool allow : {false, true}) {
        std::vector<std::string> args = {"--no-snapshot", "--pid", std::to_string(getpid()),
                                         "--events", "listen", "--sink",
                                         "syslog+tcp://127.0.0.1:" + std::to_string(dead) + ",queue=1",
                                         "--sink", "stdout:json"};
        if (allow)
            args.push_back("--allow-loss");
        TracerProcess tracer(args);
        std::vector<Fd> listeners;
        for (int i = 0; i < 4; ++i)
            listeners.push_back(tcp_listener("127.0.0.1", 0));
        expect_event(tracer, "socket-listen", local_port(listeners.back().get()));
        int status = tracer.stop(SIGTERM);
        INFO(tracer.err());
        CHECK(status == (allow ? 0 : 3));
        CHECK(tracer.err().find("lost") != std::string::npos);
    }
    // Nothing lost: 0.
    TracerProcess clean({"--no-snapshot", "--pid", std::to_string(getpid()), "-o", "json"});
    Fd one = tcp_listener("127.0.0.1", 0);
    expect_event(clean, "socket-listen", local_port(one.get()));
    CHECK(clean.stop(SIGTERM) == 0);
}

TEST_CASE("table colours: --color always/never, auto on a terminal, NO_COLOR honoured")
{
    TL_REQUIRE_BPF();
    Fd exposed = tcp_listener("0.0.0.0", 0);
    std::string port = std::to_string(local_port(exposed.get()));
    std::string snapshot = binary() + " snapshot -q --port " + port;
    auto colored = [](const Run &r) { return r.out.find("\x1b[") != std::string::npos; };
    Run always = run({"snapshot", "-q", "--port", port, "--color", "always"});
    CHECK(always.out.find("all-interfaces") != std::string::npos);
    CHECK(colored(always));
    CHECK_FALSE(colored(run({"snapshot", "-q", "--port", port, "--color", "never"})));
    CHECK_FALSE(colored(run({"snapshot", "-q", "--port", port}))); // a pipe: auto is off
    CHECK(colored(run_shell("env -u NO_COLOR TERM=xterm script -qec '" + snapshot + "' /dev/null")));
    CHECK_FALSE(colored(run_shell("NO_COLOR=1 TERM=xterm script -qec '" + snapshot + "' /dev/null")));
    CHECK(colored(run_shell("NO_COLOR=1 TERM=xterm script -qec '" + snapshot +
                            " --color always' /dev/null")));
}

TEST_CASE("a kernel-owned socket: no process in ECS, no backlog for UDP, sk: as ss -e shows it")
{
    TL_REQUIRE_BPF();
    NetNamespace ns("tl-u12-vxlan");
    // VXLAN's UDP socket belongs to the kernel: no process holds it.
    if (!try_shell("ip -n " + ns.name() + " link add vx0 type vxlan id 42 dstport 4789 local "
                   "127.0.0.1 dev lo && ip -n " + ns.name() + " link set vx0 up")) {
        TL_SKIP("no vxlan in this kernel");
    }
    Run json = run({"snapshot", "-o", "json", "--netns", ns.path(), "--port", "4789"});
    REQUIRE(json.status == 0);
    INFO(json.out);
    auto doc = Json::parse(json.out.substr(0, json.out.find('\n')));
    CHECK(doc["server"]["port"] == 4789);
    CHECK(doc["network"]["transport"] == "udp");
    CHECK_FALSE(doc.contains("process"));
    CHECK_FALSE(doc["trace_listen"].contains("backlog"));
    CHECK(doc["trace_listen"]["no_process"] == true);

    Run table = run({"snapshot", "--netns", ns.path(), "--port", "4789"});
    CHECK(table.out.find("backlog=") == std::string::npos);
    std::smatch ours, theirs;
    REQUIRE(std::regex_search(table.out, ours, std::regex(" (sk:[0-9a-f]+)")));
    std::string ss = shell("ip netns exec " + ns.name() + " ss -uanHe 'sport = :4789' 2>/dev/null");
    INFO(ss);
    REQUIRE(std::regex_search(ss, theirs, std::regex(" (sk:[0-9a-f]+)")));
    CHECK(ours[1] == theirs[1]);
    CHECK(doc["trace_listen"]["socket_cookie"] ==
          std::stoull(ours[1].str().substr(3), nullptr, 16));
}

TEST_CASE("replay shows the date of each row and the zone of the times")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "r.tlr").string();
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot",
                       "--sink", "stdout:json"});
    Fd listener = tcp_listener("127.0.0.1", 0);
    std::string port = std::to_string(local_port(listener.get()));
    expect_event(rec, "socket-listen", std::stoi(port));
    REQUIRE(rec.stop() == 0);
    Run r = run_shell("TZ=UTC " + binary() + " replay -q " + file);
    INFO(r.out);
    CHECK(r.out.rfind("DATE       TIME(UTC)", 0) == 0);
    CHECK(std::regex_search(r.out, std::regex("\n\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} LISTEN")));
    Run live = run_shell("TZ=UTC " + binary() + " snapshot -q --port " + port);
    CHECK(live.out.rfind("TIME(UTC)", 0) == 0);
}
