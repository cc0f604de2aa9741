#include "format/syslog_message.hpp"

#include <unistd.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "pipeline/event_text.hpp"
#include "host/host_metadata.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

// Private enterprise number 32473 is the one RFC 5612 reserves for
// documentation and examples; trace-listen has none of its own.
constexpr const char *event_sd_id = "event@32473";

std::string timestamp(std::int64_t wall_ns)
{
    // RFC 5424 allows at most 6 fractional digits.
    std::string ns = rfc3339_utc_ns(wall_ns); // ...SS.nnnnnnnnnZ
    return ns.substr(0, ns.size() - 4) + "Z";
}

} // namespace

int syslog_facility(std::string_view name)
{
    static constexpr std::array<std::pair<std::string_view, int>, 20> names{{
        {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
        {"syslog", 5},  {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
        {"authpriv", 10}, {"ftp", 11},  {"local0", 16}, {"local1", 17}, {"local2", 18},
        {"local3", 19}, {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
    }};
    for (auto &[n, v] : names)
        if (n == name)
            return v;
    throw std::invalid_argument("unknown syslog facility '" + std::string(name) +
                                "' (use daemon, auth, local0..local7, ...)");
}

std::string syslog_param_value(std::string_view text)
{
    std::string safe = escape_for_terminal(to_valid_utf8(text));
    std::string out;
    out.reserve(safe.size());
    for (char c : safe) {
        if (c == '"' || c == '\\' || c == ']')
            out += '\\';
        out += c;
    }
    return out;
}

std::string syslog_header_field(std::string_view text, std::size_t max_length)
{
    std::string out;
    for (char c : text) {
        if (out.size() == max_length)
            break;
        auto b = static_cast<unsigned char>(c);
        out += (b >= 33 && b <= 126) ? c : '_';
    }
    return out.empty() ? "-" : out;
}

std::string syslog_message(const SyslogHeader &h, const std::vector<SyslogElement> &sd,
                           std::string_view msg)
{
    std::string out = fmt::format("<{}>1 {} {} {} {} {} ",
                                  h.facility * 8 + static_cast<int>(h.severity),
                                  timestamp(h.wall_time_ns), syslog_header_field(h.hostname, 255),
                                  syslog_header_field(h.app_name, 48),
                                  syslog_header_field(h.procid, 128),
                                  syslog_header_field(h.msgid, 32));
    if (sd.empty())
        out += '-';
    for (const auto &element : sd) {
        out += '[' + syslog_header_field(element.id, 32);
        for (const auto &[name, value] : element.params)
            out += ' ' + syslog_header_field(name, 32) + "=\"" + syslog_param_value(value) + '"';
        out += ']';
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r'))
        msg.remove_suffix(1);
    if (!msg.empty()) {
        out += ' ';
        out += msg;
    }
    return out;
}

std::string octet_counted(std::string_view message)
{
    return fmt::format("{} {}", message.size(), message);
}

SyslogHeader syslog_header_for(const Event &e, int facility)
{
    SyslogHeader h;
    h.facility = facility;
    h.severity = e.raw.error ? SyslogSeverity::Warning
                 : (e.verdict && e.verdict->verdict != "expected") ? SyslogSeverity::Notice
                                                                   : SyslogSeverity::Informational;
    h.wall_time_ns = e.wall_time_ns;
    h.hostname = host_metadata().hostname;
    h.procid = std::to_string(getpid());
    h.msgid = std::string(event_action(e.kind));
    return h;
}

SyslogHeader syslog_header_for(const DropReport &r, int facility)
{
    SyslogHeader h;
    h.facility = facility;
    h.severity = SyslogSeverity::Warning;
    h.wall_time_ns = r.wall_time_ns;
    h.hostname = host_metadata().hostname;
    h.procid = std::to_string(getpid());
    h.msgid = "events-dropped";
    return h;
}

namespace {
SyslogElement origin()
{
    return {"origin", {{"software", "trace-listen"}, {"swVersion", agent_metadata().version}}};
}
// RFC 5424 7.3.1: sequenceId runs 1..2147483647.
SyslogElement meta(std::uint64_t sequence)
{
    std::uint64_t id = sequence ? (sequence - 1) % 2147483647 + 1 : 1;
    return {"meta", {{"sequenceId", std::to_string(id)}}};
}
} // namespace

std::vector<SyslogElement> syslog_sd_for(const Event &e)
{
    const tl_sock &s = e.raw.sock;
    const tl_task &t = e.raw.task;
    SyslogElement ev{event_sd_id, {}};
    ev.params = {{"action", std::string(event_action(e.kind))},
                 {"outcome", e.raw.error ? "failure" : "success"},
                 {"pid", std::to_string(t.pid)},
                 {"comm", std::string(c_field(t.comm, sizeof t.comm))},
                 {"transport", std::string(transport_name(s.protocol, s.type))},
                 {"ip", address_text(s.family, s.addr)},
                 {"port", std::to_string(s.port)},
                 {"exposure", std::string(exposure_name(exposure_of(s.family, s.addr)))}};
    if (e.raw.error)
        ev.params.emplace_back("error", errno_name(e.raw.error));
    if (std::string_view via = via_name(e.raw.via); !via.empty())
        ev.params.emplace_back("via", std::string(via));
    if (e.container && !e.container->id.empty())
        ev.params.emplace_back("container", e.container->id);
    if (e.verdict)
        ev.params.emplace_back("verdict", e.verdict->verdict);
    return {origin(), meta(e.sequence), std::move(ev)};
}

std::vector<SyslogElement> syslog_sd_for(const DropReport &r)
{
    SyslogElement ev{event_sd_id,
                     {{"action", "events-dropped"},
                      {"ringbuf_total", std::to_string(r.total)},
                      {"ringbuf_priority", std::to_string(r.dropped_by_class[TL_CLASS_PRIORITY])},
                      {"ringbuf_routine", std::to_string(r.dropped_by_class[TL_CLASS_ROUTINE])},
                      {"userspace_total", std::to_string(r.userspace_dropped)},
                      {"kernel_maps_total", std::to_string(r.kernel_map_dropped)}}};
    return {origin(), meta(r.sequence), std::move(ev)};
}

} // namespace tl
