#include "sink/syslog_sink.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "format/syslog_message.hpp"

namespace tl {

namespace {

// How long one connect or send may block the worker (not the trace).
constexpr int io_timeout_ms = 3000;

void set_io_timeout(int fd)
{
    timeval tv{io_timeout_ms / 1000, (io_timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// connect() that gives up after io_timeout_ms (a dead host would block ~2 min).
int connect_with_timeout(int fd, const sockaddr *addr, socklen_t len)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, addr, len);
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        rc = poll(&p, 1, io_timeout_ms);
        if (rc == 0) {
            errno = ETIMEDOUT;
            rc = -1;
        } else if (rc > 0) {
            int err = 0;
            socklen_t err_len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
            errno = err;
            rc = err ? -1 : 0;
        }
    }
    fcntl(fd, F_SETFL, flags);
    return rc;
}

} // namespace

std::string SyslogTarget::describe() const
{
    switch (transport) {
    case Transport::Udp:
    case Transport::Tcp: {
        bool v6 = host.find(':') != std::string::npos;
        return fmt::format("syslog+{}://{}{}{}:{}", transport == Transport::Udp ? "udp" : "tcp",
                           v6 ? "[" : "", host, v6 ? "]" : "", port);
    }
    case Transport::Unix: return "syslog+unix://" + path;
    }
    return "syslog";
}

SyslogTarget parse_syslog_target(const std::string &transport, const std::string &target)
{
    SyslogTarget t;
    if (target.rfind("//", 0) != 0)
        throw std::invalid_argument("expected syslog+" + transport + "://..., got '" + target + "'");
    std::string rest = target.substr(2);
    if (transport == "unix") {
        t.transport = SyslogTarget::Transport::Unix;
        t.path = rest.empty() ? "/dev/log" : rest;
        if (t.path.front() != '/')
            throw std::invalid_argument("syslog+unix needs an absolute path, e.g. syslog+unix:///dev/log");
        if (t.path.size() >= sizeof(sockaddr_un::sun_path))
            throw std::invalid_argument("socket path too long: " + t.path);
        return t;
    }
    if (transport == "udp")
        t.transport = SyslogTarget::Transport::Udp;
    else if (transport == "tcp")
        t.transport = SyslogTarget::Transport::Tcp;
    else
        throw std::invalid_argument("unknown syslog transport '" + transport +
                                    "' (use syslog+udp, syslog+tcp or syslog+unix)");
    std::string port_text;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos)
            throw std::invalid_argument("missing ']' in '" + rest + "'");
        t.host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':')
                throw std::invalid_argument("expected ':PORT' after ']' in '" + rest + "'");
            port_text = rest.substr(close + 2);
        }
    } else {
        auto colon = rest.find(':');
        t.host = rest.substr(0, colon);
        if (colon != std::string::npos)
            port_text = rest.substr(colon + 1);
    }
    if (t.host.empty())
        throw std::invalid_argument("syslog+" + transport + "://HOST[:PORT] needs a host");
    if (!port_text.empty()) {
        if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5 ||
            std::stoul(port_text) == 0 || std::stoul(port_text) > 65535)
            throw std::invalid_argument("bad port '" + port_text + "' (1-65535)");
        t.port = static_cast<std::uint16_t>(std::stoul(port_text));
    }
    return t;
}

SyslogTransport::SyslogTransport(SyslogTarget target) : target_(std::move(target)) {}

SyslogTransport::~SyslogTransport() { disconnect(); }

void SyslogTransport::disconnect()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

bool SyslogTransport::connect()
{
    if (target_.transport == SyslogTarget::Transport::Unix) {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, target_.path.c_str(), sizeof addr.sun_path - 1);
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
            set_io_timeout(fd_);
            return true;
        }
        last_error_ = fmt::format("cannot reach {}: {}", target_.path, std::strerror(errno));
        disconnect();
        return false;
    }
    addrinfo hints{};
    hints.ai_socktype = target_.transport == SyslogTarget::Transport::Tcp ? SOCK_STREAM : SOCK_DGRAM;
    addrinfo *found = nullptr;
    std::string port = std::to_string(target_.port);
    if (int rc = getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        last_error_ = fmt::format("cannot resolve {}: {}", target_.host, gai_strerror(rc));
        return false;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
    for (addrinfo *ai = found; ai; ai = ai->ai_next) {
        fd_ = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd_ < 0)
            continue;
        if (connect_with_timeout(fd_, ai->ai_addr, ai->ai_addrlen) == 0) {
            set_io_timeout(fd_);
            return true;
        }
        last_error_ = fmt::format("cannot connect to {}: {}", target_.describe(), std::strerror(errno));
        disconnect();
    }
    return false;
}

// A syslog server never writes back: a readable TCP socket means it closed
// (FIN) or reset.  Checking before each send keeps a message from going
// into a connection that is already dead.
bool SyslogTransport::peer_closed()
{
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (poll(&p, 1, 0) <= 0)
        return false;
    char byte;
    ssize_t n = recv(fd_, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || (p.revents & (POLLHUP | POLLERR | POLLRDHUP));
}

SendResult SyslogTransport::send(const std::string &record)
{
    bool tcp = target_.transport == SyslogTarget::Transport::Tcp;
    if (fd_ >= 0 && tcp && peer_closed()) {
        last_error_ = fmt::format("{} closed the connection", target_.describe());
        disconnect();
    }
    if (fd_ < 0 && !connect())
        return SendResult::RetryLater;
    std::string framed = tcp ? octet_counted(record) : std::string();
    const std::string &bytes = tcp ? framed : record;
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EMSGSIZE) {
            last_error_ = fmt::format("{} bytes do not fit in one datagram", bytes.size());
            return SendResult::Rejected;
        }
        if (n <= 0) {
            // A half-sent frame is discarded by the receiver when the
            // connection closes; the whole message goes again after reconnecting.
            last_error_ = fmt::format("sending to {} failed: {}", target_.describe(),
                                      n < 0 ? std::strerror(errno) : "no progress");
            disconnect();
            return SendResult::RetryLater;
        }
        if (!tcp && static_cast<std::size_t>(n) != bytes.size()) {
            last_error_ = "datagram truncated";
            return SendResult::Rejected;
        }
        off += static_cast<std::size_t>(n);
    }
    return SendResult::Delivered;
}

std::string SyslogEncoder::encode(const Event &event) const
{
    thread_local std::string line;
    line.clear();
    format_->write_event(line, event);
    std::string message;
    append_syslog_event(message, event, facility_, line);
    return message;
}

std::string SyslogEncoder::encode(const Event &event, EventLines &lines) const
{
    std::string message;
    append_syslog_event(message, event, facility_, lines.line(*format_));
    return message;
}

std::string SyslogEncoder::encode(const DropReport &report) const
{
    std::string message;
    append_syslog_drops(message, report, facility_, format_->drops(report));
    return message;
}

std::string SyslogEncoder::encode(const ChainHeadNotice &notice) const
{
    std::string message;
    append_syslog_chain_head(message, notice, facility_, format_->chain_head(notice));
    return message;
}

std::unique_ptr<QueuedSink> make_syslog_sink(const SyslogTarget &target,
                                             std::unique_ptr<LineFormat> format, int facility,
                                             QueueOptions queue)
{
    return std::make_unique<QueuedSink>(
        target.describe(), std::make_unique<SyslogEncoder>(std::move(format), facility),
        std::make_unique<SyslogTransport>(target), queue);
}

} // namespace tl
