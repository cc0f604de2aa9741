// Flood generator (scripts/bench "flood resistance" and the flood tests): F
// processes loop socket + bind(FLOOD_IP:0) + listen + close as fast as they
// can while this process opens N listeners on EXPOSED_IP, one every I ms,
// keeps them open H ms, then closes them.  Prints one JSON object:
//   {"flooder_pids":[..], "flood_iterations":N, "exposed_pid":P, "exposed_ports":[..]}
// Every flood iteration is 3 events (bind, listen, close); every exposed
// listener is 3 too.  Exit status 1 when any socket call failed.
//
//   listen_flood [--flooders F] [--listeners N] [--interval-ms I] [--hold-ms H]
//                [--warmup-ms W] [--flood-ip IP] [--exposed-ip IP]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
    int flooders = 2;
    int listeners = 50;
    int interval_ms = 20;
    int hold_ms = 100;
    int warmup_ms = 200;
    std::string flood_ip = "127.0.0.1";
    std::string exposed_ip = "0.0.0.0";
};

// Shared with the flooders (MAP_SHARED): the stop flag and their counts.
struct Shared {
    std::atomic<bool> stop{false};
    std::atomic<bool> failed{false};
    std::atomic<unsigned long> iterations[64];
};

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: listen_flood [--flooders F] [--listeners N] [--interval-ms I] "
                         "[--hold-ms H] [--warmup-ms W] [--flood-ip IP] [--exposed-ip IP]\n");
    std::exit(2);
}

Options parse(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc)
            usage();
        std::string v = argv[++i];
        if (a == "--flooders")
            o.flooders = std::stoi(v);
        else if (a == "--listeners")
            o.listeners = std::stoi(v);
        else if (a == "--interval-ms")
            o.interval_ms = std::stoi(v);
        else if (a == "--hold-ms")
            o.hold_ms = std::stoi(v);
        else if (a == "--warmup-ms")
            o.warmup_ms = std::stoi(v);
        else if (a == "--flood-ip")
            o.flood_ip = v;
        else if (a == "--exposed-ip")
            o.exposed_ip = v;
        else
            usage();
    }
    if (o.flooders < 0 || o.flooders > 64 || o.listeners < 0)
        usage();
    return o;
}

// socket + bind(ip:0) + listen; -1 on failure.
int listener_on(const std::string &ip)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || listen(fd, 1) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int port_of(int fd)
{
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    return ntohs(a.sin_port);
}

void flood(Shared &shared, int slot, const std::string &ip)
{
    while (!shared.stop.load(std::memory_order_relaxed)) {
        int fd = listener_on(ip);
        if (fd < 0) {
            shared.failed = true;
            return;
        }
        close(fd);
        shared.iterations[slot].fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace

int main(int argc, char **argv)
{
    Options o = parse(argc, argv);
    void *mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (mem == MAP_FAILED) {
        std::perror("listen_flood: mmap");
        return 1;
    }
    auto *shared = new (mem) Shared;

    std::vector<pid_t> flooders;
    for (int i = 0; i < o.flooders; ++i) {
        pid_t pid = fork();
        if (pid < 0) {
            std::perror("listen_flood: fork");
            shared->stop = true;
            break;
        }
        if (pid == 0) {
            flood(*shared, i, o.flood_ip);
            _exit(0);
        }
        flooders.push_back(pid);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(o.warmup_ms));

    std::vector<int> fds, ports;
    auto next = std::chrono::steady_clock::now();
    for (int i = 0; i < o.listeners; ++i) {
        int fd = listener_on(o.exposed_ip);
        if (fd < 0) {
            shared->failed = true;
            break;
        }
        fds.push_back(fd);
        ports.push_back(port_of(fd));
        next += std::chrono::milliseconds(o.interval_ms);
        std::this_thread::sleep_until(next);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(o.hold_ms));
    for (int fd : fds)
        close(fd);

    shared->stop = true;
    for (pid_t pid : flooders)
        waitpid(pid, nullptr, 0);

    unsigned long total = 0;
    std::string pids;
    for (std::size_t i = 0; i < flooders.size(); ++i) {
        total += shared->iterations[i].load();
        pids += (i ? "," : "") + std::to_string(flooders[i]);
    }
    std::string port_list;
    for (std::size_t i = 0; i < ports.size(); ++i)
        port_list += (i ? "," : "") + std::to_string(ports[i]);
    std::printf("{\"flooder_pids\":[%s],\"flood_iterations\":%lu,\"exposed_pid\":%d,"
                "\"exposed_ports\":[%s]}\n",
                pids.c_str(), total, static_cast<int>(getpid()), port_list.c_str());
    return shared->failed ? 1 : 0;
}
