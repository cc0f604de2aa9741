// Telling systemd (Type=notify) how the service is doing.  Every call is a
// no-op when not started by systemd (no NOTIFY_SOCKET).
#pragma once

#include <string>

namespace tl {

// READY=1 with a STATUS= line: sent once the programs are attached.
void notify_ready(const std::string &status);
void notify_stopping();

// WATCHDOG=1, at most every WatchdogSec/2: called from the reader loop, so a
// stuck loop stops the pings and systemd restarts the service.
void notify_watchdog_if_due();

} // namespace tl
