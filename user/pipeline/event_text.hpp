// Pieces of an event as text, shared by every format.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/event.hpp"

namespace tl {

std::string_view event_action(EventKind kind); // socket-bind, socket-listen, ...
std::string_view event_short_name(const Event &event); // BIND, LISTEN, CLOSE, ...
std::string rfc3339_utc_ns(std::int64_t wall_ns);

// Only a TCP listener has a backlog; a bound UDP socket's would read 0.
bool has_backlog(const Event &event);
// A socket no visible process holds (kernel-owned, or its holder unreadable):
// pid 0, so there is no process to name.
inline bool has_process(const Event &event) { return event.model.task.pid != 0; }

// The process an event is about: /proc details when known, else the kernel's.
std::string process_executable(const Event &event);
std::vector<std::string> process_args(const Event &event);
std::string join_command_line(const std::vector<std::string> &args);

} // namespace tl
