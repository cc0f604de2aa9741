// Running as an installed agent: least privilege after attach, the config
// file, --version, --host-root/NODE_NAME and policy reload on file change.
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "support/skip.hpp"

#include "policy_test_helpers.hpp"
#include "support/sockets.hpp"
#include "support/temp_dir.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

// CapEff/CapPrm/CapBnd of every thread of `pid`.
std::set<std::string> capability_lines(pid_t pid, const std::string &field)
{
    std::set<std::string> values;
    for (auto &task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        std::ifstream status(task.path() / "status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind(field + ":", 0) == 0)
                values.insert(line.substr(line.find_first_not_of(" \t", field.size() + 1)));
    }
    return values;
}

// A snapshot document without what differs between two runs.
Json stable(Json doc)
{
    doc.erase("@timestamp");
    doc["agent"].erase("ephemeral_id");
    // Boot time plus the task's start ticks, computed per run: nanoseconds of jitter.
    if (doc.contains("process"))
        doc["process"].erase("start");
    return doc;
}

std::vector<Json> json_of(const std::string &out)
{
    std::vector<Json> docs;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        docs.push_back(stable(Json::parse(line)));
    return docs;
}

} // namespace

TEST_CASE("agent: after attach every thread keeps only CAP_DAC_READ_SEARCH CAP_SYS_PTRACE and "
          "CAP_SYS_ADMIN and tracing and attribution still work")
{
    TL_REQUIRE_BPF();
    // A file sink: its worker thread exists before the drop and must drop too.
    TempDir dir;
    Fd fd = tcp_listener("127.0.0.1", 0, -1);
    int port = local_port(fd.get());
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--port", std::to_string(port), "--sink",
                          "stdout:json", "--sink", "file:" + (dir.path / "events.json").string()});
    // bits 2 (dac_read_search), 19 (sys_ptrace), 21 (sys_admin)
    const std::string kept = "0000000000280004";
    CHECK(capability_lines(tracer.pid(), "CapEff") == std::set<std::string>{kept});
    CHECK(capability_lines(tracer.pid(), "CapPrm") == std::set<std::string>{kept});
    CHECK(capability_lines(tracer.pid(), "CapBnd") == std::set<std::string>{kept});
    CHECK(capability_lines(tracer.pid(), "CapAmb") == std::set<std::string>{"0000000000000000"});
    CHECK(tracer.err().find("capabilities kept: cap_dac_read_search,cap_sys_ptrace,cap_sys_admin=ep") !=
          std::string::npos);

    REQUIRE(::listen(fd.get(), 4) == 0);
    Json e = expect_event(tracer, "socket-listen", port);
    // Attribution reads /proc/PID/exe: needs CAP_SYS_PTRACE, kept.
    CHECK(e["process"]["executable"] == std::filesystem::read_symlink("/proc/self/exe").string());
    CHECK(e["trace_listen"]["enrichment"] == "proc");
}

TEST_CASE("agent: a config file gives the same snapshot as the same flags - and flags override it")
{
    Fd a = tcp_listener("127.0.0.1", 0, 8);
    Fd b = udp_bound("127.0.0.1", 0);
    std::string pa = std::to_string(local_port(a.get())), pb = std::to_string(local_port(b.get()));
    auto from_flags = run_command({"snapshot", "-o", "json", "--port", pa, "--port", pb,
                                   "--ancestors", "2", "--pid", std::to_string(getpid())});
    REQUIRE(from_flags.exit_code == 0);
    TempFile conf("log-level = \"warn\"\n[snapshot]\noutput = \"json\"\nport = [" + pa + ", " + pb +
                  "]\nancestors = 2\npid = " + std::to_string(getpid()) + "\n");
    auto from_file = run_command({"--config", conf.path(), "snapshot"});
    INFO(from_file.err);
    REQUIRE(from_file.exit_code == 0);
    auto docs = json_of(from_flags.out);
    REQUIRE(docs.size() == 2);
    CHECK(json_of(from_file.out) == docs);
    CHECK(from_file.err.find("info:") == std::string::npos); // log-level = warn applied

    // A flag beats the file: the file asks for JSON, the command line for a table.
    auto overridden = run_command({"--config", conf.path(), "snapshot", "-o", "table"});
    REQUIRE(overridden.exit_code == 0);
    CHECK(overridden.out.rfind("{", 0) == std::string::npos);
    CHECK(overridden.out.find(pa) != std::string::npos);

    // The environment names the file too (the unit and the image use it).
    setenv("TRACE_LISTEN_CONFIG", conf.path().c_str(), 1);
    auto from_env = run_command({"snapshot"});
    unsetenv("TRACE_LISTEN_CONFIG");
    CHECK(json_of(from_env.out) == docs);

    // A broken file is a usage error that names it, not a silent default.
    TempFile broken("[snapshot]\nno-such-flag = 1\n");
    auto bad = run_command({"--config", broken.path(), "snapshot"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("no-such-flag") != std::string::npos);
}

TEST_CASE("agent: --version names the version and revision and libbpf and BTF and every hook")
{
    auto r = run_command({"--version"});
    REQUIRE(r.exit_code == 0);
    for (const char *text : {"trace-listen 0.", "git revision: ", "libbpf: 1.", "kernel BTF: ",
                             "bind/listen fexit: ", "bind/listen kprobe: ",
                             "bind/listen syscall tracepoints: ", "tcp-state tp_btf: ",
                             "tcp-state raw_tp: ", "tcp-state tracepoint: "})
        CHECK(r.out.find(text) != std::string::npos);
    bool btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
    CHECK(r.out.find(btf ? "kernel BTF: yes" : "kernel BTF: no") != std::string::npos);
    CHECK(r.out.find("git revision: unknown") == std::string::npos); // built from a checkout
}

TEST_CASE("agent: --host-root reads host.id and host.os and user names from the host's files - "
          "NODE_NAME sets host.name")
{
    TempDir root;
    std::filesystem::create_directories(root.path / "etc");
    std::ofstream(root.path / "etc/machine-id") << "0123456789abcdef0123456789abcdef\n";
    std::ofstream(root.path / "etc/os-release")
        << "NAME=\"Host OS\"\nVERSION_ID=\"42\"\nID=hostos\n";
    std::ofstream(root.path / "etc/passwd") << "hostuser:x:" << getuid() << ":0::/:/bin/sh\n";
    std::ofstream(root.path / "etc/group") << "hostgroup:x:" << getgid() << ":\n";
    Fd fd = tcp_listener("127.0.0.1", 0, 8);
    std::string port = std::to_string(local_port(fd.get()));
    setenv("NODE_NAME", "node-7", 1);
    auto r = run_command({"--host-root", root.path.string(), "snapshot", "-o", "json", "--port",
                          port, "--pid", std::to_string(getpid())});
    unsetenv("NODE_NAME");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto docs = json_of(r.out);
    REQUIRE(docs.size() == 1);
    CHECK(docs[0]["host"]["id"] == "0123456789abcdef0123456789abcdef");
    CHECK(docs[0]["host"]["os"]["name"] == "Host OS");
    CHECK(docs[0]["host"]["os"]["version"] == "42");
    CHECK(docs[0]["host"]["name"] == "node-7");
    CHECK(docs[0]["user"]["name"] == "hostuser");
    CHECK(docs[0]["group"]["name"] == "hostgroup");

    auto missing = run_command({"--host-root", (root.path / "nope").string(), "snapshot"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("--host-root") != std::string::npos);
}

TEST_CASE("agent: the policy is reread when its file changes with no SIGHUP "
          "(a ConfigMap update swaps a symlink)")
{
    TL_REQUIRE_BPF();
    Fd first = tcp_listener("127.0.0.1", 0, -1);
    Fd second = tcp_listener("127.0.0.1", 0, -1);
    int p1 = local_port(first.get()), p2 = local_port(second.get());
    // The layout kubelet makes: policy.yaml -> ..data/policy.yaml, ..data -> a dated dir.
    TempDir volume;
    auto write_version = [&](const std::string &name, const std::string &text) {
        std::filesystem::create_directory(volume.path / name);
        std::ofstream(volume.path / name / "policy.yaml") << text;
        std::filesystem::create_directory_symlink(name, volume.path / "..data_tmp");
        std::filesystem::rename(volume.path / "..data_tmp", volume.path / "..data");
    };
    write_version("v1", "expected:\n  - {id: old-rule, severity: low, port: " + std::to_string(p1) + "}\n");
    std::filesystem::create_symlink("..data/policy.yaml", volume.path / "policy.yaml");
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--policy",
                          (volume.path / "policy.yaml").string(), "--port", std::to_string(p1),
                          "--port", std::to_string(p2)});
    REQUIRE(::listen(first.get(), 4) == 0);
    CHECK(expect_event(tracer, "socket-listen", p1)["trace_listen"]["policy"]["rule_id"] ==
          "old-rule");

    write_version("v2", "expected:\n  - {id: new-rule, severity: low, port: " + std::to_string(p2) + "}\n");
    REQUIRE(tracer.wait_for_stderr("policy reloaded", 10s));
    REQUIRE(::listen(second.get(), 4) == 0);
    Json e = expect_event(tracer, "socket-listen", p2);
    CHECK(e["trace_listen"]["policy"]["verdict"] == "expected");
    CHECK(e["trace_listen"]["policy"]["rule_id"] == "new-rule");
}

TEST_CASE("agent: under systemd (Type=notify) READY=1 comes only after the programs attach "
          "and the reader loop feeds the watchdog")
{
    TL_REQUIRE_BPF();
    // What systemd does: a datagram socket in NOTIFY_SOCKET, WatchdogSec in WATCHDOG_USEC.
    TempDir dir;
    std::string path = (dir.path / "notify").string();
    Fd sock(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(bind(sock.get(), reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
    timeval timeout{0, 200000};
    setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setenv("NOTIFY_SOCKET", path.c_str(), 1);
    setenv("WATCHDOG_USEC", "400000", 1); // pings expected every 200 ms
    unsetenv("WATCHDOG_PID");
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--port", "1"}, false);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");

    std::vector<std::string> messages;
    std::set<std::string> caps_at_ready;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    int watchdog = 0;
    while (std::chrono::steady_clock::now() < deadline && watchdog < 3) {
        char buf[4096];
        ssize_t n = recv(sock.get(), buf, sizeof buf, 0);
        if (n <= 0)
            continue;
        messages.emplace_back(buf, static_cast<std::size_t>(n));
        if (messages.back().find("READY=1") != std::string::npos)
            caps_at_ready = capability_lines(tracer.pid(), "CapEff");
        if (messages.back() == "WATCHDOG=1")
            ++watchdog;
    }
    INFO(tracer.err());
    REQUIRE(!messages.empty());
    CHECK(messages.front().rfind("READY=1\nSTATUS=hooks: ", 0) == 0);
    // By the time it said ready it had attached, then dropped its capabilities.
    CHECK(caps_at_ready == std::set<std::string>{"0000000000280004"});
    CHECK(watchdog == 3);
    tracer.stop();
}

TEST_CASE("agent: a non-root user with file capabilities traces and attributes and drops to the "
          "runtime set (the README's recipe)")
{
    TL_REQUIRE_BPF();
    if (!try_shell("command -v setcap && command -v setpriv")) {
        TL_SKIP("needs setcap (libcap2-bin) and setpriv (util-linux)");
    }
    TempDir dir;
    std::filesystem::permissions(dir.path, std::filesystem::perms::owner_all |
                                               std::filesystem::perms::group_read |
                                               std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_read |
                                               std::filesystem::perms::others_exec);
    std::string copy = (dir.path / "trace-listen").string();
    std::filesystem::copy_file(tracer_binary(), copy);
    shell("setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin,cap_sys_ptrace,"
          "cap_dac_read_search+ep " + copy);
    Fd fd = tcp_listener("127.0.0.1", 0, 4);
    std::string port = std::to_string(local_port(fd.get()));
    // (...) so that shell()'s own redirection does not mix stderr into the JSON.
    std::string out = shell("(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups " + copy +
                            " --duration 1 -o json --port " + port + " 2>" +
                            (dir.path / "err").string() + ")");
    std::string err = shell("cat " + (dir.path / "err").string());
    INFO(err);
    CHECK(err.find("capabilities kept: cap_dac_read_search,cap_sys_ptrace,cap_sys_admin=ep") !=
          std::string::npos);
    INFO(out);
    // Only our listener's record: a drop report may come too on a busy machine.
    std::vector<Json> docs;
    for (auto &d : json_of(out))
        if (d["event"]["action"] == "socket-existing")
            docs.push_back(d);
    REQUIRE(docs.size() == 1);
    CHECK(docs[0]["event"]["action"] == "socket-existing");
    CHECK(docs[0]["process"]["pid"] == getpid());
    CHECK(docs[0]["process"]["executable"] ==
          std::filesystem::read_symlink("/proc/self/exe").string());
}

TEST_CASE("agent: started as the systemd unit starts it - a non-root user with ambient "
          "capabilities and a bounding set of six and no_new_privs - it traces and attributes")
{
    TL_REQUIRE_BPF();
    if (!try_shell("command -v setpriv")) {
        TL_SKIP("needs setpriv (util-linux)");
    }
    // No systemd runs here: setpriv applies what DynamicUser=yes,
    // AmbientCapabilities=, CapabilityBoundingSet= and NoNewPrivileges=yes do.
    std::string unit = shell("cat " TRACE_LISTEN_SOURCE_DIR "/deploy/systemd/trace-listen.service");
    std::string caps;
    for (const char *cap : {"bpf", "perfmon", "net_admin", "sys_admin", "sys_ptrace",
                            "dac_read_search"}) {
        std::string upper = cap;
        for (auto &c : upper)
            c = static_cast<char>(std::toupper(c));
        REQUIRE(unit.find("AmbientCapabilities=") != std::string::npos);
        CHECK(unit.find("CAP_" + upper) != std::string::npos);
        caps += std::string(caps.empty() ? "" : ",") + "+" + cap;
    }
    TempDir dir;
    Fd fd = tcp_listener("127.0.0.1", 0, 4);
    std::string port = std::to_string(local_port(fd.get()));
    std::string err_file = (dir.path / "err").string();
    std::string out = shell("(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups "
                            "--inh-caps=-all," + caps + " --ambient-caps=-all," + caps +
                            " --bounding-set=-all," + caps + " --no-new-privs " +
                            tracer_binary() + " --duration 1 -o json --port " + port + " 2>" +
                            err_file + ")");
    std::string err = shell("cat " + err_file);
    INFO(err);
    CHECK(err.find("capabilities kept: cap_dac_read_search,cap_sys_ptrace,cap_sys_admin=ep") !=
          std::string::npos);
    INFO(out);
    // Only our listener's record: a drop report may come too on a busy machine.
    std::vector<Json> docs;
    for (auto &d : json_of(out))
        if (d["event"]["action"] == "socket-existing")
            docs.push_back(d);
    REQUIRE(docs.size() == 1);
    CHECK(docs[0]["process"]["pid"] == getpid());
    CHECK(docs[0]["process"]["executable"] ==
          std::filesystem::read_symlink("/proc/self/exe").string());
}

TEST_CASE("agent: a policy file caught half-written (truncated - then written) is not reread "
          "until it stays the same")
{
    TL_REQUIRE_BPF();
    Fd fd = tcp_listener("127.0.0.1", 0, -1);
    int port = local_port(fd.get());
    TempFile policy("expected:\n  - {id: first, severity: low, port: " + std::to_string(port) + "}\n");
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--policy", policy.path(), "--port",
                          std::to_string(port)});
    // What `echo > file` or an editor does: the file is empty for a moment.
    for (int round = 0; round < 3; ++round) {
        policy.write("");
        std::this_thread::sleep_for(300ms);
        policy.write("expected:\n  - {id: round-" + std::to_string(round) +
                     ", severity: low, port: " + std::to_string(port) + "}\n");
        std::this_thread::sleep_for(900ms);
    }
    REQUIRE(tracer.wait_for_stderr("policy reloaded", 10s));
    std::this_thread::sleep_for(2500ms); // the last version settles
    CHECK(tracer.err().find("policy reload failed") == std::string::npos);
    REQUIRE(::listen(fd.get(), 4) == 0);
    CHECK(expect_event(tracer, "socket-listen", port)["trace_listen"]["policy"]["rule_id"] ==
          "round-2");
}
