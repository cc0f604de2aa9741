// What the kernel programs report is true: state changes go to the process
// that owns the connection (never to whoever ran when a packet arrived), no
// byte of an earlier record reaches userspace, and a full kernel map is
// counted, not silent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <variant>

#include <catch2/catch.hpp>

#include "record/record_reader.hpp"
#include "support/skip.hpp"

#include "support/kernel_hooks.hpp"
#include "support/sockets.hpp"
#include "support/temp_dir.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

sockaddr_in inet4(const std::string &ip, std::uint16_t port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    return a;
}

// A TCP server in a child process: listens on ip:port, accepts until told to
// stop, reads each connection to EOF, closes it, then reports the peer ports
// it accepted.
class Server {
public:
    Server(const std::string &ip, std::uint16_t port, bool reuseport)
    {
        int to_child[2], from_child[2];
        REQUIRE(pipe(to_child) == 0);
        REQUIRE(pipe(from_child) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            close(to_child[1]);
            close(from_child[0]);
            _exit(serve(ip, port, reuseport, to_child[0], from_child[1]));
        }
        close(to_child[0]);
        close(from_child[1]);
        control_ = to_child[1];
        results_ = from_child[0];
        std::uint16_t p = 0;
        REQUIRE(read(results_, &p, sizeof p) == sizeof p);
        REQUIRE(p != 0);
        port_ = p;
    }
    ~Server()
    {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(control_);
        close(results_);
    }
    pid_t pid() const { return pid_; }
    std::uint16_t port() const { return port_; }

    // Stops accepting; returns the peer ports of the connections accepted.
    std::set<int> stop()
    {
        // A byte, not EOF: later children inherited the write end too.
        REQUIRE(write(control_, "x", 1) == 1);
        std::string text;
        char buf[4096];
        ssize_t n;
        while ((n = read(results_, buf, sizeof buf)) > 0)
            text.append(buf, static_cast<std::size_t>(n));
        reaped_ = true;
        REQUIRE(wait_child(pid_) == 0);
        std::set<int> ports;
        std::istringstream in(text);
        for (int p; in >> p;)
            ports.insert(p);
        return ports;
    }

private:
    static int serve(const std::string &ip, std::uint16_t port, bool reuseport, int control,
                     int results)
    {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        if (reuseport)
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        sockaddr_in a = inet4(ip, port);
        if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || listen(fd, 64) != 0)
            return 1;
        std::uint16_t bound = local_port(fd);
        if (write(results, &bound, sizeof bound) != sizeof bound)
            return 1;
        std::string accepted;
        for (;;) {
            pollfd p[2] = {{fd, POLLIN, 0}, {control, POLLIN, 0}};
            if (poll(p, 2, -1) < 0)
                return 1;
            if (p[0].revents & POLLIN) {
                sockaddr_in peer{};
                socklen_t len = sizeof peer;
                int c = accept(fd, reinterpret_cast<sockaddr *>(&peer), &len);
                if (c < 0)
                    return 1;
                char b[64];
                while (read(c, b, sizeof b) > 0) {
                }
                close(c);
                accepted += std::to_string(ntohs(peer.sin_port)) + "\n";
                continue;
            }
            if (p[1].revents)
                break; // the parent asked to stop
        }
        close(fd);
        return write(results, accepted.data(), accepted.size()) ==
                       static_cast<ssize_t>(accepted.size())
                   ? 0
                   : 1;
    }

    pid_t pid_ = -1;
    bool reaped_ = false;
    int control_ = -1, results_ = -1;
    std::uint16_t port_ = 0;
};

// `count` connections to ip:port from a child process, each closed by the
// client first (so the server's side goes CLOSE_WAIT -> LAST_ACK -> CLOSE).
pid_t connect_from_child(const std::string &ip, std::uint16_t port, int count)
{
    return spawn([=] {
        for (int i = 0; i < count; ++i) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a = inet4(ip, port);
            if (connect(c, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
                return 1;
            close(c);
        }
        return 0;
    });
}

bool is_state_to(const Json &j, const std::string &ip, int port)
{
    return j.value("/event/action"_json_pointer, "") == "tcp-state-change" &&
           j.value("/server/port"_json_pointer, -1) == port &&
           j.value("/server/ip"_json_pointer, "") == ip;
}

std::string show(const std::vector<Json> &events)
{
    std::string out;
    for (const auto &e : events)
        out += e.dump() + "\n";
    return out;
}

// Waits until the tracer printed `n` state changes to ip:port.
void wait_for_states(const TracerProcess &tracer, const std::string &ip, int port, std::size_t n)
{
    for (int i = 0; i < 100; ++i) {
        // Complete lines only: the tracer may be writing the last one.
        std::string out = tracer.out();
        std::istringstream in(out.substr(0, out.rfind('\n') + 1));
        std::size_t seen = 0;
        for (std::string line; std::getline(in, line);) {
            Json j = Json::parse(line, nullptr, false);
            seen += !j.is_discarded() && is_state_to(j, ip, port);
        }
        if (seen >= n)
            return;
        std::this_thread::sleep_for(100ms);
    }
}

} // namespace

TEST_CASE("a listener older than the tracer owns its accepted connections - never the client or a kernel thread")
{
    TL_REQUIRE_BPF();
    Server server("127.0.0.1", 0, false);
    TracerProcess tracer({"-o", "json", "--events", "state,listen,close"});
    pid_t client = connect_from_child("127.0.0.1", server.port(), 3);
    REQUIRE(wait_child(client) == 0);
    // Per connection: 5 states on the server's side, 5 on the client's.
    wait_for_states(tracer, "127.0.0.1", server.port(), 30);
    server.stop();
    REQUIRE(tracer.stop() == 0);

    std::vector<Json> ingress, egress, all;
    for (const auto &j : tracer.json_lines()) {
        if (!is_state_to(j, "127.0.0.1", server.port()))
            continue;
        all.push_back(j);
        std::string direction = j.value("/network/direction"_json_pointer, "");
        (direction == "ingress" ? ingress : egress).push_back(j);
    }
    INFO(show(all) << "stderr:\n" << tracer.err());
    REQUIRE(ingress.size() == 15);
    REQUIRE(egress.size() == 15);
    for (const auto &j : ingress) {
        CHECK(j["process"]["pid"] == server.pid());
        CHECK(j["trace_listen"]["attribution"] == "owner");
        CHECK(j["server"]["port"] == server.port()); // LAST_ACK -> CLOSE too
    }
    for (const auto &j : egress) {
        CHECK(j["network"]["direction"] == "egress");
        CHECK(j["process"]["pid"] == client);
        CHECK(j["trace_listen"]["attribution"] == "owner");
    }
    auto last_acks = std::count_if(ingress.begin(), ingress.end(), [](const Json &j) {
        return j["trace_listen"]["old_state"] == "LAST_ACK" && j["trace_listen"]["new_state"] == "CLOSE";
    });
    CHECK(last_acks == 3);
}

TEST_CASE("SO_REUSEPORT pair and one port on two addresses - each accepted connection goes to its listener's owner")
{
    TL_REQUIRE_BPF();
    // One of the pair is older than the tracer (owner from the snapshot),
    // the other starts while tracing.
    Server first("127.0.0.1", 0, true);
    TracerProcess tracer({"-o", "json", "--events", "state,listen,close"});
    Server second("127.0.0.1", first.port(), true);
    Server on_other_address("127.0.0.2", first.port(), false);

    pid_t client = connect_from_child("127.0.0.1", first.port(), 16);
    REQUIRE(wait_child(client) == 0);
    pid_t other_client = connect_from_child("127.0.0.2", first.port(), 2);
    REQUIRE(wait_child(other_client) == 0);
    wait_for_states(tracer, "127.0.0.1", first.port(), 16 * 10);
    wait_for_states(tracer, "127.0.0.2", first.port(), 2 * 10);
    std::set<int> by_first = first.stop(), by_second = second.stop(),
                  by_other = on_other_address.stop();
    REQUIRE(tracer.stop() == 0);
    INFO("first " << first.pid() << " accepted " << by_first.size() << ", second " << second.pid()
                  << " accepted " << by_second.size());
    // 16 connections hashed over two listeners: both get some (1 in 32768 not).
    REQUIRE(!by_first.empty());
    REQUIRE(!by_second.empty());
    REQUIRE(by_other.size() == 2);

    std::size_t checked = 0;
    std::vector<Json> seen;
    for (const auto &j : tracer.json_lines()) {
        bool here = is_state_to(j, "127.0.0.1", first.port());
        bool there = is_state_to(j, "127.0.0.2", first.port());
        if ((!here && !there) || j.value("/network/direction"_json_pointer, "") != "ingress")
            continue;
        seen.push_back(j);
        int peer = j.value("/client/port"_json_pointer, -1);
        INFO(j.dump());
        ++checked;
        if (peer <= 0) { // 6.1 fires a child's creation before it has its peer
            if (there)
                CHECK(j["process"]["pid"] == on_other_address.pid());
            else
                CHECK((j["process"]["pid"] == first.pid() || j["process"]["pid"] == second.pid()));
            continue;
        }
        pid_t expected = there                    ? on_other_address.pid()
                         : by_first.count(peer)   ? first.pid()
                         : by_second.count(peer) ? second.pid()
                                                  : -1;
        CHECK(j["process"]["pid"] == expected);
    }
    INFO(show(seen) << tracer.err());
    CHECK(checked == (16 + 2) * 5);
}

TEST_CASE("a filtered-out process's command line never reaches a record file or the output")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    const std::string marker = "zq7SECRETzq7";
    std::string padding;
    for (int i = 0; i < 24; ++i)
        padding += marker;
    std::string file = (dir.path / "run.tlr").string();
    // A small ring buffer, so the short process's records land in memory
    // the filtered-out one's records used before.
    // Uncompressed, so a marker in the file would be found by a byte search.
    TracerProcess recorder({"record", "-w", file, "--no-compress", "--no-snapshot", "--allow-loss",
                            "--events", "bind", "--comm", "shortone", "--ringbuf-size", "64K"});
    TracerProcess live({"-o", "json", "--no-snapshot", "--allow-loss", "--events", "bind", "--comm", "shortone",
                        "--ringbuf-size", "64K"});
    const std::string binds = "import socket\nfor i in range(3000):\n"
                              "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                              "    s.bind(('127.0.0.1', 0)); s.close()\n";
    pid_t noisy = fork();
    REQUIRE(noisy >= 0);
    if (noisy == 0) {
        execl("/usr/bin/python3", "python3", "-c", binds.c_str(), padding.c_str(), nullptr);
        _exit(127);
    }
    REQUIRE(wait_child(noisy) == 0);
    pid_t quiet = spawn([] {
        prctl(PR_SET_NAME, "shortone");
        for (int i = 0; i < 3000; ++i)
            Fd fd = udp_bound("127.0.0.1", 0);
        return 0;
    });
    REQUIRE(wait_child(quiet) == 0);
    std::this_thread::sleep_for(500ms);
    REQUIRE(recorder.stop() == 0);
    REQUIRE(live.stop() == 0);

    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto shortones = events_of(live.json_lines(), "socket-bind", quiet).size();
    INFO("record file " << bytes.size() << " bytes; live events of shortone " << shortones);
    REQUIRE(shortones > 0);
    std::size_t recorded = 0;
    tl::record::RecordReader reader(file, nullptr);
    while (auto entry = reader.next())
        recorded += std::holds_alternative<tl::Event>(*entry);
    INFO("recorded events " << recorded);
    REQUIRE(recorded >= 100); // the record holds many of shortone's binds
    CHECK(bytes.find(marker) == std::string::npos);
    CHECK(live.out().find(marker) == std::string::npos);
    CHECK(live.err().find(marker) == std::string::npos);
}

TEST_CASE("a full map of bind calls in flight is counted as a drop")
{
    TL_REQUIRE_BPF();
    // Room for one call in flight.  A thread is held inside bind() (its
    // sockaddr sits on a page only a userfaultfd can fill) while another
    // thread binds: that second call finds the map full.
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--allow-loss", "--events", "bind", "--bind-hook",
                          "syscall", "--pending-map-size", "1", "--pid",
                          std::to_string(getpid())});
    int uffd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC));
    if (uffd < 0) {
        TL_SKIP("userfaultfd is not available: " << std::strerror(errno));
    }
    Fd uffd_owner(uffd);
    uffdio_api api{UFFD_API, 0, {}};
    REQUIRE(ioctl(uffd, UFFDIO_API, &api) == 0);
    long page = sysconf(_SC_PAGESIZE);
    void *area = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(area != MAP_FAILED);
    uffdio_register reg{{reinterpret_cast<unsigned long>(area), static_cast<unsigned long>(page)},
                        UFFDIO_REGISTER_MODE_MISSING, 0};
    REQUIRE(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0);

    Fd held(socket(AF_INET, SOCK_DGRAM, 0));
    int held_rc = -2;
    std::thread holder([&] {
        held_rc = bind(held.get(), static_cast<sockaddr *>(area), sizeof(sockaddr_in));
    });
    pollfd p{uffd, POLLIN, 0};
    REQUIRE(poll(&p, 1, 10000) == 1); // the holder is inside bind(), faulting
    uffd_msg msg{};
    REQUIRE(read(uffd, &msg, sizeof msg) == sizeof msg);

    Fd second = udp_bound("127.0.0.1", 0); // its entry cannot be stashed

    std::vector<char> source(page, 0);
    sockaddr_in a = inet4("127.0.0.1", 0);
    std::memcpy(source.data(), &a, sizeof a);
    uffdio_copy copy{reinterpret_cast<unsigned long>(area),
                     reinterpret_cast<unsigned long>(source.data()),
                     static_cast<unsigned long>(page), 0, 0};
    REQUIRE(ioctl(uffd, UFFDIO_COPY, &copy) == 0);
    holder.join();
    munmap(area, page);
    REQUIRE(held_rc == 0);

    std::this_thread::sleep_for(300ms);
    REQUIRE(tracer.stop() == 0);
    auto binds = events_of(tracer.json_lines(), "socket-bind", getpid());
    std::smatch m;
    std::string err = tracer.err();
    INFO(tracer.out() << err);
    REQUIRE(std::regex_search(err, m, std::regex("kernel-maps=(\\d+)")));
    CHECK(std::stoull(m[1]) == 1);
    CHECK(binds.size() == 1); // the held one; the other is the counted drop
    bool reported = false;
    for (const auto &l : tracer.json_lines())
        if (l.value("/event/action"_json_pointer, "") == "events-dropped")
            reported |= l["trace_listen"]["drops"]["kernel_maps_total"] == 1;
    CHECK(reported);
}

TEST_CASE("an fexit program the verifier rejects, where fexit works, stops the tracer with the verifier's message")
{
    // A tracer built with -DTRACE_LISTEN_TEST_BROKEN_FEXIT=ON: scripts/vm-test
    // builds one and runs this on Debian's 6.1 kernel, where fexit works.
    const char *broken = std::getenv("TRACE_LISTEN_BROKEN_FEXIT_BINARY");
    if (!broken || !*broken) {
        TL_SKIP("needs TRACE_LISTEN_BROKEN_FEXIT_BINARY, a tracer built with "
                "-DTRACE_LISTEN_TEST_BROKEN_FEXIT=ON (scripts/vm-test sets it)");
    }
    TL_REQUIRE_BPF();
    if (!hook_expected("fexit")) {
        TL_SKIP("fexit does not work on this kernel, so nothing can be wrongly hidden");
    }
    TracerProcess tracer({"--no-snapshot", "--log-level", "debug"}, false, broken);
    int rc = tracer.wait(60s);
    std::string err = tracer.err();
    INFO(err);
    CHECK(err.find("probed: fexit=works") != std::string::npos);
    CHECK(rc == 1);
    CHECK(err.find("trace-listen: error: the kernel accepts fexit programs (probed), but the "
                   "verifier rejected fexit_inet_bind") != std::string::npos);
    CHECK(err.find("invalid mem access") != std::string::npos);
    CHECK(err.find("tracing;") == std::string::npos); // no quiet fall-back
}
