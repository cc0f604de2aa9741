#include "util/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <chrono>

namespace tl {

namespace {

// 0 when systemd asked for no watchdog (or did not start us).
std::chrono::microseconds watchdog_period()
{
    static const std::chrono::microseconds period = [] {
        std::uint64_t usec = 0;
        return sd_watchdog_enabled(0, &usec) > 0 ? std::chrono::microseconds(usec / 2)
                                                 : std::chrono::microseconds(0);
    }();
    return period;
}

} // namespace

void notify_ready(const std::string &status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

void notify_watchdog_if_due()
{
    static std::chrono::steady_clock::time_point next{};
    auto period = watchdog_period();
    if (period.count() == 0)
        return;
    auto now = std::chrono::steady_clock::now();
    if (now < next)
        return;
    next = now + period;
    sd_notify(0, "WATCHDOG=1");
}

} // namespace tl
