#include "metrics/metrics_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace tl {

namespace {

std::string describe(const sockaddr_storage &ss)
{
    char host[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET6) {
        auto &a = reinterpret_cast<const sockaddr_in6 &>(ss);
        inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
        return fmt::format("[{}]:{}", host, ntohs(a.sin6_port));
    }
    auto &a = reinterpret_cast<const sockaddr_in &>(ss);
    inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    return fmt::format("{}:{}", host, ntohs(a.sin_port));
}

// Bound and listening, so the flag's errors (bad host, port in use) come from
// us, with the flag's name, before MHD takes the socket over.
int listen_on(const std::string &address, const MetricsAddress &hp)
{
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *found = nullptr;
    if (int rc = getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &found); rc != 0)
        throw std::invalid_argument("--metrics-addr '" + address + "': " + gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
    std::string error = "no address";
    for (addrinfo *ai = found; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0)
            return fd;
        error = std::strerror(errno);
        close(fd);
    }
    throw std::runtime_error("--metrics-addr '" + address + "': cannot listen: " + error);
}

MHD_Result reply(MHD_Connection *connection, unsigned status, const char *type,
                 const std::string &body)
{
    MHD_Response *response = MHD_create_response_from_buffer(
        body.size(), const_cast<char *>(body.data()), MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

// HEAD is answered as GET; MHD leaves the body out.
MHD_Result answer(void *cls, MHD_Connection *connection, const char *url, const char *method,
                  const char *, const char *, size_t *upload_size, void **)
{
    const auto *server = static_cast<const MetricsServer *>(cls);
    if (std::strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        std::strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        *upload_size = 0; // a body, if any, is not read
        return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                     "only GET and HEAD\n");
    }
    if (std::strcmp(url, "/metrics") == 0)
        return reply(connection, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                     server->render());
    if (std::strcmp(url, "/") == 0)
        return reply(connection, MHD_HTTP_OK, "text/plain; charset=utf-8",
                     "trace-listen: metrics at /metrics\n");
    return reply(connection, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                 "not found; try /metrics\n");
}

void log_mhd(void *, const char *format, va_list args)
{
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    std::string line = text;
    while (!line.empty() && line.back() == '\n')
        line.pop_back();
    spdlog::debug("metrics: {}", line);
}

} // namespace

MetricsAddress parse_metrics_address(const std::string &address)
{
    MetricsAddress hp;
    if (!address.empty() && address.find_first_not_of("0123456789") == std::string::npos) {
        hp = {"127.0.0.1", address};
    } else if (!address.empty() && address.front() == '[') {
        auto close = address.find("]:");
        if (close == std::string::npos)
            throw std::invalid_argument("--metrics-addr '" + address + "': expected [V6ADDR]:PORT");
        hp = {address.substr(1, close - 1), address.substr(close + 2)};
    } else {
        auto colon = address.rfind(':');
        if (colon == std::string::npos)
            throw std::invalid_argument("--metrics-addr '" + address +
                                        "': expected HOST:PORT, :PORT or PORT");
        hp = {address.substr(0, colon), address.substr(colon + 1)};
        if (hp.host.empty())
            hp.host = "127.0.0.1"; // loopback unless asked otherwise
    }
    if (hp.port.empty() || hp.port.find_first_not_of("0123456789") != std::string::npos ||
        hp.port.size() > 5 || std::stoul(hp.port) > 65535)
        throw std::invalid_argument("--metrics-addr '" + address +
                                    "': port must be a number from 0 to 65535 (0: any free port)");
    return hp;
}

void MetricsServer::StopDaemon::operator()(MHD_Daemon *d) const { MHD_stop_daemon(d); }

MetricsServer::MetricsServer(const std::string &address, std::function<std::string()> render,
                             MetricsServerLimits limits)
    : render_(std::move(render))
{
    int fd = listen_on(address, parse_metrics_address(address));
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
    bound_ = describe(ss);
    // One internal thread with epoll: requests are read without blocking, so
    // the number of slow clients costs memory (bounded), never others' time.
    MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, nullptr, nullptr,
        &answer, this, MHD_OPTION_EXTERNAL_LOGGER, &log_mhd, nullptr, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_TIMEOUT, limits.connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        limits.max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(32 * 1024),
        MHD_OPTION_END);
    if (!daemon) {
        close(fd);
        throw std::runtime_error("--metrics-addr '" + address + "': cannot start the HTTP server");
    }
    daemon_.reset(daemon); // MHD closes the socket when stopped
}

MetricsServer::~MetricsServer() = default;

} // namespace tl
