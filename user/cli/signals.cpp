#include "cli/signals.hpp"

#include <csignal>

namespace tl::cli {

namespace {
std::atomic<bool> stop_requested{false};
std::atomic<bool> reload_requested{false};

void on_stop(int) { stop_requested = true; }
void on_reload(int) { reload_requested = true; }
} // namespace

SessionControl install_signal_handlers()
{
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_reload;
    sigaction(SIGHUP, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    return SessionControl{stop_requested, reload_requested};
}

} // namespace tl::cli
