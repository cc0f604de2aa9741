// Real sockets, processes and network namespaces for integration tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace tl::test {

// An owned file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd &&other) noexcept : fd_(other.release()) {}
    Fd &operator=(Fd &&other) noexcept;
    ~Fd();
    int get() const { return fd_; }
    int release();
    void reset();

private:
    int fd_ = -1;
};

// socket(); bind() to ip:port (port 0 = ephemeral); listen() when backlog >= 0.
// Fails the test on error.
Fd tcp_listener(const std::string &ip, std::uint16_t port, int backlog = 16);
Fd udp_bound(const std::string &ip, std::uint16_t port);
// bind() expected to fail; returns errno.
int bind_errno(int type, const std::string &ip, std::uint16_t port);
std::uint16_t local_port(int fd);

// Runs `body` in a forked child; returns its pid.  The child exits with
// body's return value.  wait_child() reaps it and returns that value.
pid_t spawn(const std::function<int()> &body);
int wait_child(pid_t pid);

// A network namespace made with `ip netns add`, deleted on destruction.
class NetNamespace {
public:
    explicit NetNamespace(std::string name);
    ~NetNamespace();
    const std::string &name() const { return name_; }
    std::string path() const { return "/run/netns/" + name_; }
    std::uint32_t inode() const;
    // Runs body in a child process that entered this namespace.
    pid_t spawn_inside(const std::function<int()> &body) const;

private:
    std::string name_;
};

std::uint32_t current_netns_inode();

} // namespace tl::test
