// A minimal HTTP endpoint for Prometheus: GET /metrics on its own thread.
// One request per connection, short timeouts, so a stuck scraper cannot
// hold it; it never touches the trace loop.
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace tl {

class MetricsServer {
public:
    // `address`: "PORT", ":PORT" (loopback), "HOST:PORT", "[V6]:PORT".
    // Binds now; throws std::invalid_argument / std::runtime_error saying why.
    MetricsServer(const std::string &address, std::function<std::string()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer &) = delete;
    MetricsServer &operator=(const MetricsServer &) = delete;

    // What it listens on, e.g. "127.0.0.1:9464" (with the real port for :0).
    const std::string &address() const { return bound_; }

private:
    void serve();
    void answer(int client);

    std::function<std::string()> render_;
    int listen_fd_ = -1;
    int stop_fd_ = -1; // eventfd: wakes the thread to exit
    std::string bound_;
    std::thread thread_;
};

} // namespace tl
