// Who opened it: process, parent, user and container of real events, also
// when the process is gone before the tracer reads /proc.
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;
namespace fs = std::filesystem;

namespace {

const std::string listen_and_exit =
    "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(4)";

std::string own_comm()
{
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

// Runs python3 -c `script` as a child of this process and reaps it.
pid_t run_python(const std::string &script)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        execl("/usr/bin/python3", "python3", "-c", script.c_str(), nullptr);
        _exit(127);
    }
    return pid;
}

bool has(const Json &list, const std::string &item)
{
    return list.is_array() && std::find(list.begin(), list.end(), item) != list.end();
}

Json wait_for(const TracerProcess &tracer, const std::function<bool(const Json &)> &match,
              std::chrono::milliseconds timeout = 15s)
{
    auto event = tracer.wait_for_json(match, timeout);
    INFO("stdout so far:\n" << tracer.out() << "\nstderr:\n" << tracer.err());
    REQUIRE(event.has_value());
    return *event;
}

} // namespace

TEST_CASE("a process that listens and exits at once keeps parent and user and executable and args")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--events", "listen"});
    // Freeze the tracer so that the process is certainly gone (and reaped)
    // before userspace sees its event: the kernel record must carry it.
    tracer.signal(SIGSTOP);
    pid_t child = run_python(listen_and_exit);
    REQUIRE(wait_child(child) == 0);
    REQUIRE(kill(child, 0) == -1);
    tracer.signal(SIGCONT);

    Json e = wait_for(tracer, [&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/process/pid"_json_pointer, -1) == child;
    });
    CHECK(e["process"]["parent"]["pid"] == getpid());
    CHECK(e["process"]["parent"]["name"] == own_comm());
    CHECK(e["user"]["id"] == std::to_string(getuid()));
    if (getuid() == 0)
        CHECK(e["user"]["name"] == "root");
    // The kernel saw the executable file's own name (python3 is a symlink).
    std::string real = fs::canonical("/usr/bin/python3").filename().string();
    CHECK(e["process"]["executable"] == real);
    CHECK(e["process"]["args"] == Json::array({"python3", "-c", listen_and_exit}));
    CHECK(e["process"]["command_line"] == "python3 -c " + listen_and_exit);
    CHECK(e["process"].contains("start"));
    CHECK(e["process"]["entity_id"].get<std::string>().size() == 32);
    // And it says that these came from the kernel alone.
    CHECK(e["trace_listen"]["enrichment"] == "kernel");
    CHECK(has(e["trace_listen"]["kernel_only_fields"], "process.executable"));
    CHECK(has(e["trace_listen"]["kernel_only_fields"], "process.args"));
    // The parent (this test) is still alive: its executable is known.
    REQUIRE(e["trace_listen"]["ancestors"].is_array());
    CHECK(e["trace_listen"]["ancestors"][0]["pid"] == getpid());
    CHECK(e["trace_listen"]["ancestors"][0]["executable"] ==
          fs::read_symlink("/proc/self/exe").string());
}

TEST_CASE("a live process is completed from /proc with full path and ancestors and the same entity id")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--events", "bind,listen"});
    // Listens, then waits for stdin to close, so /proc has it when the
    // tracer looks.
    int hold[2];
    REQUIRE(pipe(hold) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        dup2(hold[0], 0);
        close(hold[1]);
        execl("/usr/bin/python3", "python3", "-c",
              "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
              "s.listen(4); sys.stdin.read()",
              nullptr);
        _exit(127);
    }
    close(hold[0]);
    auto from_child = [&](const std::string &action) {
        return [&, action](const Json &j) {
            return j.value("/event/action"_json_pointer, "") == action &&
                   j.value("/process/pid"_json_pointer, -1) == child;
        };
    };
    Json bind = wait_for(tracer, from_child("socket-bind"));
    Json listen = wait_for(tracer, from_child("socket-listen"));
    close(hold[1]);
    REQUIRE(wait_child(child) == 0);

    CHECK(listen["trace_listen"]["enrichment"] == "proc");
    CHECK_FALSE(listen["trace_listen"].contains("kernel_only_fields"));
    CHECK(listen["process"]["executable"] == fs::canonical("/usr/bin/python3").string());
    CHECK(listen["process"]["parent"]["executable"] == fs::read_symlink("/proc/self/exe").string());
    CHECK(listen["process"]["entity_id"] == bind["process"]["entity_id"]);
    CHECK(listen["trace_listen"]["ancestors"][0]["pid"] == getpid());
    CHECK(listen["trace_listen"]["ancestors"].size() >= 2); // our parent too
    CHECK(listen["trace_listen"]["namespaces"]["pid"].get<std::uint64_t>() > 0);
}

TEST_CASE("an EADDRINUSE bind names the process holding the port")
{
    TL_REQUIRE_BPF();
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--events", "bind"});
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t holder = spawn([&] {
        prctl(PR_SET_NAME, "tl-holder");
        Fd fd = tcp_listener("127.0.0.1", 0);
        std::uint16_t port = local_port(fd.get());
        if (write(ready[1], &port, sizeof port) != sizeof port)
            return 1;
        pause();
        return 0;
    });
    std::uint16_t port = 0;
    REQUIRE(read(ready[0], &port, sizeof port) == sizeof port);

    // The search for the holder runs beside the event stream, which waits
    // for it a few milliseconds (issue 11): on a loaded machine the first
    // failed bind may go out without the hint, counted; a retry, as a
    // crash-looping service makes, gets the answer the search kept.
    Json e;
    std::size_t seen = 0;
    for (int attempt = 0; attempt < 20; ++attempt) {
        REQUIRE(bind_errno(SOCK_STREAM, "127.0.0.1", port) == EADDRINUSE);
        e = wait_for(tracer, [&](const Json &j) {
            return j.value("/event/action"_json_pointer, "") == "socket-bind" &&
                   j.value("/process/pid"_json_pointer, -1) == getpid() &&
                   j.value("/trace_listen/requested_port"_json_pointer, -1) == port &&
                   j.value("/event/sequence"_json_pointer, 0) > static_cast<long>(seen);
        });
        seen = e.value("/event/sequence"_json_pointer, 0);
        if (e.contains("error") && e["error"].contains("message"))
            break;
        std::this_thread::sleep_for(100ms);
    }
    kill(holder, SIGKILL);
    wait_child(holder);
    CHECK(e["error"]["code"] == "EADDRINUSE");
    CHECK(e["error"]["message"] == "pid " + std::to_string(holder) + " (tl-holder)");
}

namespace {

// A podman container (runc, busybox rootfs, no network) running `command`;
// removed on destruction.
class Container {
public:
    explicit Container(const std::string &command)
    {
        char dir[] = "/tmp/tl-rootfs-XXXXXX";
        REQUIRE(mkdtemp(dir) != nullptr);
        rootfs_ = dir;
        shell("mkdir -p " + rootfs_ + "/bin && cp /usr/bin/busybox " + rootfs_ +
              "/bin/ && ln -s busybox " + rootfs_ + "/bin/sh");
        std::string out = shell(
            "podman --runtime runc --cgroup-manager=cgroupfs run --rm -d --network none "
            "--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --rootfs " +
            rootfs_ + " /bin/sh -c '" + command + "'");
        id_ = out.substr(0, out.find_first_of("\r\n"));
        REQUIRE(id_.size() == 64);
    }
    ~Container()
    {
        try_shell("podman --runtime runc rm -f -t 0 " + id_ + " >/dev/null 2>&1");
        try_shell("rm -rf " + rootfs_);
    }
    const std::string &id() const { return id_; }

private:
    std::string rootfs_;
    std::string id_;
};

bool podman_available() { return try_shell("podman --version >/dev/null 2>&1").has_value(); }

} // namespace

TEST_CASE("a listener in a podman container carries its container id and runtime and its own netns")
{
    TL_REQUIRE_BPF();
    if (!podman_available())
        TL_SKIP("podman is not installed");
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--events", "listen", "--port", "8080"});
    Container container("exec nc -l -p 8080");

    Json e = wait_for(
        tracer,
        [&](const Json &j) {
            return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
                   j.value("/container/id"_json_pointer, "") == container.id();
        },
        60s);
    CHECK(e["server"]["port"] == 8080);
    CHECK(e["container"]["runtime"] == "podman");
    CHECK(e["trace_listen"]["netns"] != current_netns_inode());
    CHECK(e["trace_listen"]["cgroup_name"] == "libpod-" + container.id());
    CHECK(e["process"]["name"] == "nc");
    // The id podman itself reports for the running container.
    std::string listed = shell("podman ps --no-trunc --format '{{.ID}}' --filter id=" + container.id());
    CHECK(listed.substr(0, 64) == container.id());

    // Already running when a snapshot is taken: found in its namespace too.
    TracerProcess snapshot({"snapshot", "-o", "json", "--port", "8080"}, false);
    REQUIRE(snapshot.wait() == 0);
    bool found = false;
    for (const Json &j : snapshot.json_lines()) {
        if (j.value("/container/id"_json_pointer, "") != container.id())
            continue;
        found = true;
        CHECK(j["event"]["action"] == "socket-existing");
        CHECK(j["trace_listen"]["netns"] == e["trace_listen"]["netns"]);
        CHECK(j["process"]["pid"] == e["process"]["pid"]);
        CHECK(j["container"]["runtime"] == "podman");
    }
    INFO(snapshot.out() << snapshot.err());
    CHECK(found);
}

TEST_CASE("a process that binds and then execs another program that binds names each program at its own bind")
{
    TL_REQUIRE_BPF();
    // The kernel keeps a process's executable and command line from its
    // first event (issue 9): exec must replace them, the pid staying the same.
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--events", "bind"});
    tracer.signal(SIGSTOP); // both binds reach userspace after the process is gone
    const std::string perl_script =
        "use Socket; socket(S, PF_INET, SOCK_STREAM, 0); "
        "bind(S, pack_sockaddr_in(0, inet_aton('127.0.0.1'))) or die";
    const std::string python_script =
        "import os, socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
        "os.execv('/usr/bin/perl', ['perl', '-e', \"" + perl_script + "\"])";
    pid_t child = run_python(python_script);
    REQUIRE(wait_child(child) == 0);
    tracer.signal(SIGCONT);

    auto bind_by = [&](const std::string &exe) {
        return wait_for(tracer, [&](const Json &j) {
            return j.value("/event/action"_json_pointer, "") == "socket-bind" &&
                   j.value("/process/pid"_json_pointer, -1) == child &&
                   j.value("/process/executable"_json_pointer, "") == exe;
        });
    };
    Json first = bind_by(fs::canonical("/usr/bin/python3").filename().string());
    CHECK(first["process"]["args"] == Json::array({"python3", "-c", python_script}));
    Json second = bind_by(fs::canonical("/usr/bin/perl").filename().string());
    CHECK(second["process"]["args"] == Json::array({"perl", "-e", perl_script}));
    CHECK(second["process"]["name"] == "perl");
}
