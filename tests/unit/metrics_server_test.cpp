// The metrics endpoint against slow, idle and HEAD clients (issue 12): real
// sockets on loopback, no tracer needed.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics_server.hpp"

using namespace std::chrono_literals;
using tl::MetricsServer;

namespace {

// A connected TCP socket to 127.0.0.1:port (closed on destruction).
struct Client {
    int fd = -1;
    explicit Client(std::uint16_t port)
    {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
    }
    ~Client() { close(fd); }
    void send_text(const std::string &text) const
    {
        REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
    }
    // Everything until the server closes or `timeout` passes.
    std::string read_all(std::chrono::milliseconds timeout) const
    {
        std::string out;
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms)
                return out;
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
                return out;
            char buf[4096];
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                return out;
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
};

std::uint16_t port_of(const MetricsServer &server)
{
    const std::string &a = server.address();
    return static_cast<std::uint16_t>(std::stoul(a.substr(a.rfind(':') + 1)));
}

const char *metrics_body = "# TYPE trace_listen_up gauge\ntrace_listen_up 1\n";

std::string get(std::uint16_t port, const std::string &method = "GET", const std::string &path = "/metrics")
{
    Client c(port);
    c.send_text(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return c.read_all(10s);
}

} // namespace

TEST_CASE("metrics endpoint: GET /metrics, HEAD as GET without a body, 404 and 405")
{
    MetricsServer server(":0", [] { return std::string(metrics_body); });
    std::uint16_t port = port_of(server);
    CHECK(server.address().rfind("127.0.0.1:", 0) == 0);

    std::string reply = get(port);
    CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(reply.find("text/plain; version=0.0.4") != std::string::npos);
    CHECK(reply.find(metrics_body) != std::string::npos);

    std::string head = get(port, "HEAD");
    INFO(head);
    CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(head.find("text/plain; version=0.0.4") != std::string::npos);
    CHECK(head.find("Content-Length: " + std::to_string(std::string(metrics_body).size())) !=
          std::string::npos);
    CHECK(head.find("trace_listen_up") == std::string::npos); // headers only

    CHECK(get(port, "GET", "/nope").rfind("HTTP/1.1 404", 0) == 0);
    std::string post = get(port, "POST");
    CHECK(post.rfind("HTTP/1.1 405", 0) == 0);
    CHECK(post.find("GET, HEAD") != std::string::npos);
}

TEST_CASE("metrics endpoint: a client sending one byte every 1.5 s does not delay a GET")
{
    MetricsServer server(":0", [] { return std::string(metrics_body); });
    std::uint16_t port = port_of(server);
    std::atomic<bool> done{false};
    Client slow(port);
    std::thread slowloris([&] {
        const std::string request = "GET /metrics HTTP/1.1\r\n";
        for (std::size_t i = 0; i < request.size() && !done; ++i) {
            ::send(slow.fd, &request[i], 1, MSG_NOSIGNAL);
            for (int t = 0; t < 15 && !done; ++t) // 1.5 s, but quit at once when done
                std::this_thread::sleep_for(100ms);
        }
    });
    std::this_thread::sleep_for(1600ms); // the slow client is in its second byte
    auto start = std::chrono::steady_clock::now();
    std::string reply = get(port);
    auto took = std::chrono::steady_clock::now() - start;
    done = true;
    slowloris.join();
    CHECK(reply.find(metrics_body) != std::string::npos);
    // The old one-connection-at-a-time server made it wait as long as the
    // slow client kept sending (11.7 s measured); generous bound.
    CHECK(took < 3s);
}

TEST_CASE("metrics endpoint: 30 idle connections do not keep a GET out")
{
    MetricsServer server(":0", [] { return std::string(metrics_body); });
    std::uint16_t port = port_of(server);
    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < 30; ++i)
        idle.push_back(std::make_unique<Client>(port));
    auto start = std::chrono::steady_clock::now();
    std::string reply = get(port);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(reply.find(metrics_body) != std::string::npos);
    CHECK(took < 3s);
}

TEST_CASE("metrics endpoint: idle connections are closed after the connection timeout")
{
    tl::MetricsServerLimits limits;
    limits.connection_timeout_s = 1;
    MetricsServer server(":0", [] { return std::string(metrics_body); }, limits);
    Client idle(port_of(server));
    idle.send_text("GET /met");
    auto start = std::chrono::steady_clock::now();
    idle.read_all(20s); // returns when the server closes it
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("metrics address: bad ports and forms are refused before anything listens")
{
    using Catch::Contains;
    CHECK_THROWS_WITH(tl::parse_metrics_address(":99999"), Contains("0 to 65535"));
    CHECK_THROWS_WITH(tl::parse_metrics_address("localhost"), Contains("expected HOST:PORT"));
    CHECK_THROWS_WITH(tl::parse_metrics_address("[::1]9000"), Contains("[V6ADDR]:PORT"));
    CHECK_THROWS_WITH(tl::parse_metrics_address(""), Contains("expected"));
    CHECK(tl::parse_metrics_address(":9464").host == "127.0.0.1");
    CHECK(tl::parse_metrics_address("[::1]:9464").host == "::1");
}
