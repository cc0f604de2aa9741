#include "output/metrics_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace tl {

namespace {

struct HostPort {
    std::string host;
    std::string port;
};

HostPort split_address(const std::string &address)
{
    HostPort hp;
    if (address.find_first_not_of("0123456789") == std::string::npos) {
        hp = {"127.0.0.1", address};
    } else if (!address.empty() && address.front() == '[') {
        auto close = address.find("]:");
        if (close == std::string::npos)
            throw std::invalid_argument("--metrics-addr '" + address + "': expected [V6ADDR]:PORT");
        hp = {address.substr(1, close - 1), address.substr(close + 2)};
    } else {
        auto colon = address.rfind(':');
        if (colon == std::string::npos)
            throw std::invalid_argument("--metrics-addr '" + address + "': expected HOST:PORT or :PORT");
        hp = {address.substr(0, colon), address.substr(colon + 1)};
        if (hp.host.empty())
            hp.host = "127.0.0.1"; // loopback unless asked otherwise
    }
    if (hp.port.empty() || hp.port.find_first_not_of("0123456789") != std::string::npos ||
        hp.port.size() > 5 || std::stoul(hp.port) > 65535)
        throw std::invalid_argument("--metrics-addr '" + address + "': bad port");
    return hp;
}

std::string describe(const sockaddr_storage &ss)
{
    char host[INET6_ADDRSTRLEN] = "";
    std::uint16_t port = 0;
    if (ss.ss_family == AF_INET6) {
        auto &a = reinterpret_cast<const sockaddr_in6 &>(ss);
        inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
        return fmt::format("[{}]:{}", host, ntohs(a.sin6_port));
    }
    auto &a = reinterpret_cast<const sockaddr_in &>(ss);
    inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    port = ntohs(a.sin_port);
    return fmt::format("{}:{}", host, port);
}

void send_all(int fd, const std::string &bytes)
{
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // the scraper went away; nothing to keep
        off += static_cast<std::size_t>(n);
    }
}

} // namespace

MetricsServer::MetricsServer(const std::string &address, std::function<std::string()> render)
    : render_(std::move(render))
{
    HostPort hp = split_address(address);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *found = nullptr;
    if (int rc = getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &found); rc != 0)
        throw std::invalid_argument("--metrics-addr '" + address + "': " + gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
    std::string error = "no address";
    for (addrinfo *ai = found; ai && listen_fd_ < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0) {
            listen_fd_ = fd;
        } else {
            error = std::strerror(errno);
            close(fd);
        }
    }
    if (listen_fd_ < 0)
        throw std::runtime_error("--metrics-addr '" + address + "': cannot listen: " + error);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&ss), &len);
    bound_ = describe(ss);
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) {
        close(listen_fd_);
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    }
    thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer()
{
    std::uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof one) < 0)
        spdlog::debug("metrics: cannot wake the server thread");
    thread_.join();
    close(listen_fd_);
    close(stop_fd_);
}

void MetricsServer::serve()
{
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            spdlog::error("metrics: poll failed: {}", std::strerror(errno));
            return;
        }
        if (fds[1].revents)
            return;
        int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        timeval tv{2, 0};
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        answer(client);
        close(client);
    }
}

void MetricsServer::answer(int client)
{
    // Only the request line matters; read until the end of the headers.
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
        ssize_t n = recv(client, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        request.append(buf, static_cast<std::size_t>(n));
    }
    std::string line = request.substr(0, request.find("\r\n"));
    auto reply = [&](const char *status, const char *type, const std::string &body) {
        send_all(client, fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                                     "Connection: close\r\n\r\n{}",
                                     status, type, body.size(), body));
    };
    if (line.rfind("GET /metrics ", 0) == 0 || line.rfind("GET /metrics?", 0) == 0)
        reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", render_());
    else if (line.rfind("GET / ", 0) == 0)
        reply("200 OK", "text/plain; charset=utf-8", "trace-listen: metrics at /metrics\n");
    else if (line.rfind("GET ", 0) == 0 || line.rfind("HEAD ", 0) == 0)
        reply("404 Not Found", "text/plain; charset=utf-8", "not found; try /metrics\n");
    else
        reply("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n");
}

} // namespace tl
