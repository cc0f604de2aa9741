#include "pipeline/event_text.hpp"

#include <netinet/in.h>

#include <ctime>

#include "pipeline/event_decode.hpp"
#include "util/text_escape.hpp"

namespace tl {

std::string_view event_action(EventKind kind)
{
    switch (kind) {
    case EventKind::Bind: return "socket-bind";
    case EventKind::Listen: return "socket-listen";
    case EventKind::Close: return "socket-close";
    case EventKind::StateChange: return "tcp-state-change";
    case EventKind::Existing: return "socket-existing";
    }
    return "unknown";
}

std::string_view event_short_name(const Event &event)
{
    switch (event.kind) {
    case EventKind::Bind: return event.model.error ? "BIND!" : "BIND";
    case EventKind::Listen: return event.model.error ? "LISTEN!" : "LISTEN";
    case EventKind::Close: return "CLOSE";
    case EventKind::StateChange: return "STATE";
    case EventKind::Existing: return "EXISTING";
    }
    return "?";
}

bool has_backlog(const Event &e)
{
    return (e.kind == EventKind::Listen || e.kind == EventKind::Existing) &&
           e.model.socket.protocol == IPPROTO_TCP;
}

std::string rfc3339_utc_ns(std::int64_t wall_ns)
{
    time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000);
    long nanos = static_cast<long>(wall_ns % 1'000'000'000);
    if (nanos < 0) {
        nanos += 1'000'000'000;
        --secs;
    }
    struct tm tm {};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%09ldZ", nanos);
    return buf;
}

std::string process_executable(const Event &event)
{
    if (event.process && !event.process->executable.empty())
        return event.process->executable;
    return std::string(c_field(event.model.task.exe, sizeof event.model.task.exe));
}

std::vector<std::string> process_args(const Event &event)
{
    if (event.process && !event.process->args.empty())
        return event.process->args;
    return split_args(event.model.task);
}

std::string join_command_line(const std::vector<std::string> &args)
{
    std::string line;
    for (const auto &a : args) {
        if (!line.empty())
            line += ' ';
        line += a;
    }
    return line;
}

} // namespace tl
