// The Prometheus endpoint: GET (and HEAD) /metrics, served by libmicrohttpd
// on its own thread.  Event-driven, so a slow or idle client never delays
// another; every connection has an inactivity deadline and their number is
// bounded.  It never touches the trace loop.
#pragma once

#include <functional>
#include <memory>
#include <string>

struct MHD_Daemon;

namespace tl {

// "PORT", ":PORT" (loopback), "HOST:PORT", "[V6]:PORT" -> host and port.
// Throws std::invalid_argument naming the address; resolves nothing.  For
// checking the flag before anything else starts.
struct MetricsAddress {
    std::string host;
    std::string port;
};
MetricsAddress parse_metrics_address(const std::string &address);

struct MetricsServerLimits {
    unsigned connection_timeout_s = 5; // idle this long: closed
    unsigned max_connections = 256;    // beyond: new ones refused at once
};

class MetricsServer {
public:
    // Binds now; throws std::invalid_argument / std::runtime_error saying why.
    MetricsServer(const std::string &address, std::function<std::string()> render,
                  MetricsServerLimits limits = {});
    ~MetricsServer();
    MetricsServer(const MetricsServer &) = delete;
    MetricsServer &operator=(const MetricsServer &) = delete;

    // What it listens on, e.g. "127.0.0.1:9464" (with the real port for :0).
    const std::string &address() const { return bound_; }

    // Called on the server's thread, one request at a time.
    std::string render() const { return render_(); }

private:
    std::function<std::string()> render_;
    std::string bound_;
    struct StopDaemon {
        void operator()(MHD_Daemon *d) const;
    };
    std::unique_ptr<MHD_Daemon, StopDaemon> daemon_;
};

} // namespace tl
