#include "support/sockets.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <catch2/catch.hpp>

#include "support/tracer_process.hpp"

namespace tl::test {

Fd &Fd::operator=(Fd &&other) noexcept
{
    if (this != &other) {
        reset();
        fd_ = other.release();
    }
    return *this;
}

Fd::~Fd() { reset(); }

int Fd::release()
{
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void Fd::reset()
{
    if (fd_ >= 0)
        close(fd_);
    fd_ = -1;
}

namespace {

socklen_t make_sockaddr(const std::string &ip, std::uint16_t port, sockaddr_storage &ss)
{
    std::memset(&ss, 0, sizeof ss);
    if (ip.find(':') != std::string::npos) {
        auto *sa = reinterpret_cast<sockaddr_in6 *>(&ss);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(port);
        REQUIRE(inet_pton(AF_INET6, ip.c_str(), &sa->sin6_addr) == 1);
        return sizeof *sa;
    }
    auto *sa = reinterpret_cast<sockaddr_in *>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, ip.c_str(), &sa->sin_addr) == 1);
    return sizeof *sa;
}

Fd bound_socket(int type, const std::string &ip, std::uint16_t port)
{
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(ip, port, ss);
    Fd fd(socket(ss.ss_family, type, 0));
    REQUIRE(fd.get() >= 0);
    INFO("bind " << ip << ":" << port << ": " << std::strerror(errno));
    REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr *>(&ss), len) == 0);
    return fd;
}

} // namespace

Fd tcp_listener(const std::string &ip, std::uint16_t port, int backlog)
{
    Fd fd = bound_socket(SOCK_STREAM, ip, port);
    if (backlog >= 0)
        REQUIRE(listen(fd.get(), backlog) == 0);
    return fd;
}

Fd udp_bound(const std::string &ip, std::uint16_t port) { return bound_socket(SOCK_DGRAM, ip, port); }

int bind_errno(int type, const std::string &ip, std::uint16_t port)
{
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(ip, port, ss);
    Fd fd(socket(ss.ss_family, type, 0));
    REQUIRE(fd.get() >= 0);
    if (bind(fd.get(), reinterpret_cast<sockaddr *>(&ss), len) == 0)
        return 0;
    return errno;
}

std::uint16_t local_port(int fd)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0);
    if (ss.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
}

pid_t spawn(const std::function<int()> &body)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int rc = 1;
        try {
            rc = body();
        } catch (...) {
        }
        _exit(rc);
    }
    return pid;
}

int wait_child(pid_t pid)
{
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

NetNamespace::NetNamespace(std::string name) : name_(std::move(name))
{
    try_shell("ip netns del " + name_);
    shell("ip netns add " + name_);
    shell("ip -n " + name_ + " link set lo up");
}

NetNamespace::~NetNamespace() { try_shell("ip netns del " + name_); }

std::uint32_t NetNamespace::inode() const
{
    struct stat st {};
    REQUIRE(stat(path().c_str(), &st) == 0);
    return static_cast<std::uint32_t>(st.st_ino);
}

pid_t NetNamespace::spawn_inside(const std::function<int()> &body) const
{
    std::string p = path();
    return spawn([p, body] {
        int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
            return 99;
        close(fd);
        return body();
    });
}

std::uint32_t current_netns_inode()
{
    struct stat st {};
    REQUIRE(stat("/proc/self/ns/net", &st) == 0);
    return static_cast<std::uint32_t>(st.st_ino);
}

} // namespace tl::test
