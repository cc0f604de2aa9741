#include "format/syslog_message.hpp"

#include <unistd.h>

#include <array>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "format/json_writer.hpp"
#include "format/time_text.hpp"
#include "host/host_metadata.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/event_text.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

namespace tl {

namespace {

// Private enterprise number 32473 is the one RFC 5612 reserves for
// documentation and examples; trace-listen has none of its own.
constexpr const char *event_sd_id = "event@32473";

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

std::string octet_counted(std::string_view message)
{
    return fmt::format("{} {}", message.size(), message);
}



namespace {

// Where the run of bytes from `i` that a PARAM-VALUE holds as they are ends.
std::size_t plain_run(std::string_view text, std::size_t i)
{
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7F || c == '\\' || c == '"' || c == ']')
            break;
        ++i;
    }
    return i;
}

// PARAM-VALUE (RFC 5424 6.3.3) straight into `out`: as syslog_param_value.
void append_param_value(std::string &out, std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    auto escaped_hex = [&](unsigned char b) {
        char esc[5] = {'\\', '\\', 'x', hex[b >> 4], hex[b & 15]};
        out.append(esc, 5);
    };
    for (std::size_t i = 0; i < text.size();) {
        // A run of bytes written as they are, appended at once.
        std::size_t run = plain_run(text, i);
        if (run != i) {
            out.append(text.data() + i, run - i);
            i = run;
            continue;
        }
        auto b = static_cast<unsigned char>(text[i]);
        if (b >= 0x20 && b < 0x7F) {
            switch (b) {
            case '\\': out += "\\\\\\\\"; break; // terminal "\\", each escaped
            case '"': out += "\\\""; break;
            case ']': out += "\\]"; break;
            default: out += static_cast<char>(b); break;
            }
            ++i;
            continue;
        }
        Utf8Step step = utf8_step(text, i);
        if (!step.valid) {
            out += "\xEF\xBF\xBD";
        } else if (step.cp == '\n') {
            out += "\\\\n";
        } else if (step.cp == '\t') {
            out += "\\\\t";
        } else if (step.cp == '\r') {
            out += "\\\\r";
        } else if (step.cp < 0x20 || step.cp == 0x7F || (step.cp >= 0x80 && step.cp < 0xA0)) {
            for (std::size_t k = 0; k < step.length; ++k)
                escaped_hex(static_cast<unsigned char>(text[i + k]));
        } else {
            out.append(text.data() + i, step.length);
        }
        i += step.length;
    }
}

// ` name="VALUE"`, the value written by `append_value(out)`.
template <typename AppendValue> void param_with(std::string &out, std::string_view name, AppendValue &&append_value)
{
    const std::size_t at = out.size();
    out.resize(at + name.size() + 3);
    char *p = out.data() + at;
    *p++ = ' ';
    std::memcpy(p, name.data(), name.size());
    std::memcpy(p + name.size(), "=\"", 2);
    append_value(out);
    out += '"';
}

// ` name="` at `p`; returns the new end.
char *put_param_name(char *p, std::string_view name)
{
    *p++ = ' ';
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    std::memcpy(p, "=\"", 2);
    return p + 2;
}

void param(std::string &out, std::string_view name, std::string_view value)
{
    if (plain_run(value, 0) != value.size()) {
        param_with(out, name, [value](std::string &o) { append_param_value(o, value); });
        return;
    }
    // Nothing to escape (nearly every value): one resize, three copies.
    const std::size_t at = out.size();
    out.resize(at + name.size() + value.size() + 4);
    char *p = put_param_name(out.data() + at, name);
    std::memcpy(p, value.data(), value.size());
    p[value.size()] = '"';
}

void number_param(std::string &out, std::string_view name, std::uint64_t value)
{
    const std::size_t at = out.size();
    out.resize(at + name.size() + 4 + 20);
    char *p = write_decimal(put_param_name(out.data() + at, name), value);
    *p++ = '"';
    out.resize(static_cast<std::size_t>(p - out.data()));
}

// syslog_header_field appended, without a string of its own.
void append_header_field(std::string &out, std::string_view text, std::size_t max_length)
{
    if (text.empty()) {
        out += '-';
        return;
    }
    text = text.substr(0, max_length);
    const std::size_t at = out.size();
    out.append(text);
    for (std::size_t i = at; i < out.size(); ++i) {
        auto b = static_cast<unsigned char>(out[i]);
        if (b < 33 || b > 126)
            out[i] = '_';
    }
}

// "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID " and the constant
// [origin ...] element.
void append_head(std::string &out, int facility, SyslogSeverity severity, std::int64_t wall_ns,
                 std::string_view msgid, std::optional<std::uint64_t> sequence)
{
    static const std::string host = syslog_header_field(host_metadata().hostname, 255);
    static const std::string origin = "[origin software=\"trace-listen\" swVersion=\"" +
                                      syslog_param_value(agent_metadata().version) + "\"]";
    out += '<';
    append_decimal(out, static_cast<std::uint64_t>(facility * 8 + static_cast<int>(severity)));
    out += ">1 ";
    append_rfc3339_utc(out, wall_ns, 6); // RFC 5424 allows at most 6 fractional digits
    out += ' ';
    out += host;
    out += " trace-listen ";
    append_decimal(out, static_cast<std::uint64_t>(getpid()));
    out += ' ';
    append_header_field(out, msgid, 32);
    out += ' ';
    out += origin;
    if (!sequence)
        return;
    // RFC 5424 7.3.1: sequenceId runs 1..2147483647.
    out += "[meta";
    number_param(out, "sequenceId", *sequence ? (*sequence - 1) % 2147483647 + 1 : 1);
    out += ']';
}

void append_msg(std::string &out, std::string_view msg)
{
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r'))
        msg.remove_suffix(1);
    if (!msg.empty()) {
        out += ' ';
        out += msg;
    }
}

} // namespace

void append_syslog_event(std::string &out, const Event &e, int facility, std::string_view msg)
{
    const EventModel &m = model_of(e);
    const SocketModel &s = m.socket;
    const TaskModel &t = m.task;
    SyslogSeverity severity = e.model.error ? SyslogSeverity::Warning
                              : (e.verdict && e.verdict->verdict != "expected") ? SyslogSeverity::Notice
                                                                                : SyslogSeverity::Informational;
    std::string_view action = event_action(e.kind);
    append_head(out, facility, severity, e.wall_time_ns, action, e.sequence);
    out += '[';
    out += event_sd_id;
    param(out, "action", action);
    param(out, "outcome", e.model.error ? "failure" : "success");
    number_param(out, "pid", t.pid);
    param(out, "comm", c_field(t.comm, sizeof t.comm));
    param(out, "transport", s.transport);
    param(out, "ip", s.local.text());
    number_param(out, "port", s.port);
    param(out, "exposure", exposure_name(s.exposure));
    if (e.model.error)
        param(out, "error", errno_name(e.model.error));
    if (!m.via.empty())
        param(out, "via", m.via);
    if (e.container && !e.container->id.empty())
        param(out, "container", e.container->id);
    if (e.verdict)
        param(out, "verdict", e.verdict->verdict);
    out += ']';
    append_msg(out, msg);
}

void append_syslog_drops(std::string &out, const DropReport &r, int facility, std::string_view msg)
{
    append_head(out, facility, SyslogSeverity::Warning, r.wall_time_ns, "events-dropped", r.sequence);
    out += '[';
    out += event_sd_id;
    param(out, "action", "events-dropped");
    number_param(out, "ringbuf_total", r.total);
    number_param(out, "ringbuf_priority", r.dropped_by_class[TL_CLASS_PRIORITY]);
    number_param(out, "ringbuf_routine", r.dropped_by_class[TL_CLASS_ROUTINE]);
    number_param(out, "userspace_total", r.userspace_dropped);
    number_param(out, "kernel_maps_total", r.kernel_map_dropped);
    out += ']';
    append_msg(out, msg);
}

void append_syslog_chain_head(std::string &out, const ChainHeadNotice &n, int facility,
                              std::string_view msg)
{
    append_head(out, facility, SyslogSeverity::Notice, n.wall_time_ns, "record-sealed", std::nullopt);
    out += '[';
    out += event_sd_id;
    param(out, "action", "record-sealed");
    param(out, "file", n.file);
    number_param(out, "file_index", n.file_index);
    number_param(out, "frame", n.frame);
    number_param(out, "records", n.records);
    param(out, "seal_reason", n.reason);
    param(out, "head", n.head);
    out += ']';
    append_msg(out, msg);
}

} // namespace tl
