// Load generator for scripts/bench: listening sockets as fast as one core
// can make them, in the shapes the benchmarks need.  Prints its pid, then
// (with --wait) waits for a line on stdin so a tracer can be started with
// --pid first.  Results go to stdout as "key value" lines.
//
//   listen_load loop N         N x (socket, bind 127.0.0.1:0, listen, close) in this process
//   listen_load fork N [P]     N short-lived processes, each listening then exiting
//                              (P forking workers, default 1); children are named tl-bench-child
//   listen_load hold N         N listeners kept open until stdin closes
//   listen_load paced N RATE   N listeners at RATE/s; prints "port PORT WALL_NS" before each listen()
//   listen_load connect N      a busy server: N x (connect, accept, close both) on loopback to a
//                              listener made before the pid line (so before a tracer starts)
//   listen_load rate N PER_S   N x (socket, bind, listen, close) at PER_S iterations a second,
//                              steady (1 ms ticks); prints the rate it reached (issue 11: the
//                              highest rate a tracer keeps up with, without drops)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::int64_t now_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "listen_load: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

// socket + bind to an ephemeral loopback port; returns the fd.
int bound_socket()
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
        die("bind");
    return fd;
}

std::uint16_t port_of(int fd)
{
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    return ntohs(a.sin_port);
}

// CPU time of this process: what tracing adds in the syscalls (BPF programs
// run in the caller's context), and unlike wall time not inflated when other
// work on a busy machine takes the core away.
std::int64_t cpu_ns() { return now_ns(CLOCK_PROCESS_CPUTIME_ID); }

void loop(long n)
{
    auto start = now_ns(CLOCK_MONOTONIC);
    auto cpu_start = cpu_ns();
    for (long i = 0; i < n; ++i) {
        int fd = bound_socket();
        if (listen(fd, 16) != 0)
            die("listen");
        close(fd);
    }
    auto elapsed = now_ns(CLOCK_MONOTONIC) - start;
    auto cpu = cpu_ns() - cpu_start;
    std::printf("iterations %ld\nelapsed_ns %lld\nns_per_iteration %.1f\ncpu_ns_per_iteration %.1f\n",
                n, static_cast<long long>(elapsed), double(elapsed) / double(n),
                double(cpu) / double(n));
}

// One worker: forks `n` children one after another, at most `inflight` alive.
long fork_worker(long n)
{
    long failed = 0;
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            prctl(PR_SET_NAME, "tl-bench-child");
            int fd = bound_socket();
            _exit(listen(fd, 1) == 0 ? 0 : 1); // exits while listening: the kernel closes it
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return failed;
}

void forks(long n, int workers)
{
    auto start = now_ns(CLOCK_MONOTONIC);
    std::vector<pid_t> pids;
    for (int w = 0; w < workers; ++w) {
        long share = n / workers + (w < n % workers ? 1 : 0);
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0)
            _exit(fork_worker(share) ? 1 : 0);
        pids.push_back(pid);
    }
    int failed_workers = 0;
    for (pid_t pid : pids) {
        int status = 0;
        waitpid(pid, &status, 0);
        failed_workers += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    auto elapsed = now_ns(CLOCK_MONOTONIC) - start;
    std::printf("processes %ld\nfailed_workers %d\nelapsed_ns %lld\n", n, failed_workers,
                static_cast<long long>(elapsed));
}

void hold(long n)
{
    rlimit lim{static_cast<rlim_t>(n + 64), static_cast<rlim_t>(n + 64)};
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
        die("setrlimit NOFILE");
    std::vector<int> fds;
    for (long i = 0; i < n; ++i) {
        int fd = bound_socket();
        if (listen(fd, 1) != 0)
            die("listen");
        fds.push_back(fd);
    }
    std::printf("holding %ld\n", n);
    std::fflush(stdout);
    std::string line;
    std::getline(std::cin, line); // until stdin closes or a line arrives
    for (int fd : fds)
        close(fd);
}

void paced(long n, double rate)
{
    auto gap = std::chrono::nanoseconds(static_cast<long long>(1e9 / rate));
    auto next = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
        std::this_thread::sleep_until(next);
        next += gap;
        int fd = bound_socket();
        std::uint16_t port = port_of(fd);
        std::int64_t t = now_ns(CLOCK_REALTIME);
        if (listen(fd, 1) != 0)
            die("listen");
        std::printf("port %u %lld\n", port, static_cast<long long>(t));
        std::fflush(stdout);
        close(fd);
    }
}

// A steady rate: every millisecond the iterations due by then.  A generator
// that cannot keep up says so (achieved_per_s below the rate asked for)
// instead of bursting later to catch up.
void rate(long n, double per_s)
{
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    const auto first = start;
    const auto tick = std::chrono::milliseconds(1);
    auto next = start;
    long done = 0;
    while (done < n) {
        next += tick;
        double due_s = std::chrono::duration<double>(next - start).count();
        long due = std::min(n, static_cast<long>(due_s * per_s));
        for (; done < due; ++done) {
            int fd = bound_socket();
            if (listen(fd, 16) != 0)
                die("listen");
            close(fd);
        }
        auto now = clock::now();
        if (now < next)
            std::this_thread::sleep_until(next);
        else if (now - next > 10 * tick) { // behind: skip the lost time, no catch-up burst
            start += now - next;
            next = now;
        }
    }
    double elapsed = std::chrono::duration<double>(clock::now() - first).count();
    std::printf("iterations %ld\nelapsed_ns %lld\nachieved_per_s %.0f\n", n,
                static_cast<long long>(elapsed * 1e9), double(n) / elapsed);
}

int loopback_listener()
{
    int fd = bound_socket();
    if (listen(fd, 128) != 0)
        die("listen");
    return fd;
}

void connections(int listener, long n)
{
    sockaddr_in to{};
    socklen_t len = sizeof to;
    getsockname(listener, reinterpret_cast<sockaddr *>(&to), &len);
    auto start = now_ns(CLOCK_MONOTONIC);
    auto cpu_start = cpu_ns();
    for (long i = 0; i < n; ++i) {
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0)
            die("socket");
        if (connect(c, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0)
            die("connect");
        int a = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (a < 0)
            die("accept");
        // The server closes first, as HTTP servers do: TIME_WAIT stays on the
        // listener's port, so a long loop does not run out of ephemeral ports.
        close(a);
        close(c);
    }
    auto elapsed = now_ns(CLOCK_MONOTONIC) - start;
    auto cpu = cpu_ns() - cpu_start;
    std::printf("iterations %ld\nelapsed_ns %lld\nns_per_iteration %.1f\ncpu_ns_per_iteration %.1f\n",
                n, static_cast<long long>(elapsed), double(elapsed) / double(n),
                double(cpu) / double(n));
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    bool wait = false;
    if (!args.empty() && args[0] == "--wait") {
        wait = true;
        args.erase(args.begin());
    }
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: listen_load [--wait] loop N | fork N [P] | hold N | paced N RATE | connect N | rate N PER_S\n");
        return 2;
    }
    // The busy server's listener predates the tracer, as on a real host.
    int listener = args[0] == "connect" ? loopback_listener() : -1;
    std::printf("pid %d\n", getpid());
    std::fflush(stdout);
    if (wait) {
        std::string line;
        std::getline(std::cin, line);
    }
    long n = std::atol(args[1].c_str());
    if (n <= 0) {
        std::fprintf(stderr, "listen_load: N must be positive\n");
        return 2;
    }
    const std::string &mode = args[0];
    if (mode == "loop")
        loop(n);
    else if (mode == "fork")
        forks(n, args.size() > 2 ? std::atoi(args[2].c_str()) : 1);
    else if (mode == "hold")
        hold(n);
    else if (mode == "connect")
        connections(listener, n);
    else if (mode == "rate" && args.size() > 2)
        rate(n, std::atof(args[2].c_str()));
    else if (mode == "paced" && args.size() > 2)
        paced(n, std::atof(args[2].c_str()));
    else {
        std::fprintf(stderr, "listen_load: unknown mode %s\n", mode.c_str());
        return 2;
    }
    std::fflush(stdout);
    return 0;
}
