#include "format/table_format.hpp"

#include <netinet/in.h>

#include <clocale>
#include <ctime>
#include <cwchar>
#include <locale.h>
#include <optional>
#include <wchar.h>

#include <fmt/color.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/event_text.hpp"
#include "util/service_names.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

// Column widths in terminal cells, in order: TIME (without date) EVENT PID
// PPID COMM CONTAINER PROTO ADDRESS PORT EXPOSURE; DETAIL takes the rest.
constexpr std::size_t time_width = 12, date_time_width = 23;

std::string local_time(std::int64_t wall_ns, bool with_date)
{
    time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000);
    struct tm tm {};
    localtime_r(&secs, &tm);
    char buf[48];
    std::size_t n = strftime(buf, sizeof buf, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03d",
             static_cast<int>((wall_ns / 1'000'000) % 1000));
    return buf;
}

// "TIME(UTC)": rows are local time, so the header says which zone.
std::string time_title(bool with_date)
{
    time_t now = time(nullptr);
    struct tm tm {};
    localtime_r(&now, &tm);
    char zone[16] = "";
    strftime(zone, sizeof zone, "%Z", &tm);
    return std::string(with_date ? "DATE       " : "") + "TIME(" + zone + ")";
}

// The UTF-8 C locale, for wcwidth whatever the process locale is.
locale_t utf8_locale()
{
    static locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return locale;
}

// Cuts on a character boundary of the escaped text, marking the cut, so
// that it fills at most `width` cells.
std::string fit(const std::string &text, std::size_t width)
{
    if (display_width(text) <= width)
        return text;
    std::string out;
    std::size_t used = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t len = 1;
        while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80)
            ++len;
        std::size_t w = display_width(std::string_view(text).substr(i, len));
        if (used + w + 1 > width)
            break;
        out.append(text, i, len);
        used += w;
        i += len;
    }
    return out + "~";
}

enum class Align { Left, Right };

// `text` padded to `width` cells, then coloured: escape sequences never
// count towards the width.
std::string cell(std::string_view text, std::size_t width, Align align = Align::Left,
                  std::optional<fmt::text_style> style = std::nullopt)
{
    std::size_t w = display_width(text);
    std::string pad(width > w ? width - w : 0, ' ');
    std::string shown = style ? fmt::format(*style, "{}", text) : std::string(text);
    return align == Align::Left ? shown + pad : pad + shown;
}

fmt::text_style failure_style() { return fmt::fg(fmt::terminal_color::bright_red) | fmt::emphasis::bold; }
fmt::text_style exposed_style() { return fmt::fg(fmt::terminal_color::yellow) | fmt::emphasis::bold; }

std::string lifetime_text(std::uint64_t ns)
{
    if (ns < 1'000'000)
        return fmt::format("{}us", ns / 1000);
    if (ns < 10'000'000'000ULL)
        return fmt::format("{:.1f}ms", ns / 1e6);
    return fmt::format("{:.1f}s", ns / 1e9);
}

// One row; `cells` are already padded.
std::string row(const std::vector<std::string> &cells)
{
    std::string line;
    for (const auto &c : cells)
        line += (line.empty() ? "" : " ") + c;
    return line + "\n";
}

} // namespace

std::size_t display_width(std::string_view text)
{
    locale_t previous = uselocale(utf8_locale());
    std::mbstate_t state{};
    std::size_t width = 0;
    const char *p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        wchar_t wc = 0;
        std::size_t n = std::mbrtowc(&wc, p, left, &state);
        if (n == 0)
            n = 1;
        if (n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2)) {
            state = {};
            ++width; // invalid byte: the escaping shows it as one visible mark
            n = 1;
        } else {
            int w = wcwidth(wc);
            width += w > 0 ? static_cast<std::size_t>(w) : 0;
        }
        p += n;
        left -= n;
    }
    uselocale(previous);
    return width;
}

std::string TableFormat::header() const
{
    return row({cell(time_title(style_.dates), style_.dates ? date_time_width : time_width),
                cell("EVENT", 8), cell("PID", 7, Align::Right), cell("PPID", 7, Align::Right),
                cell("COMM", 16), cell("CONTAINER", 12), cell("PROTO", 5), cell("ADDRESS", 15),
                cell("PORT", 5, Align::Right), cell("EXPOSURE", 14), "DETAIL"});
}

std::string table_detail(const Event &e)
{
    const tl_sock &s = e.raw.sock;
    std::vector<std::string> parts;
    if (e.raw.error)
        parts.push_back(errno_name(e.raw.error));
    // bind()/listen() is the norm; say when it was anything else.
    if (std::string_view via = via_name(e.raw.via); !via.empty() && e.raw.via != TL_VIA_SYSCALL)
        parts.push_back("via=" + std::string(via));
    if (std::string service = system_service_names().name_of(s.port, transport_name(s.protocol, s.type));
        !service.empty())
        parts.push_back("service=" + service);
    if (!e.extra_holders.empty()) {
        std::string pids;
        for (const auto &h : e.extra_holders)
            pids += (pids.empty() ? "" : ",") + std::to_string(h.task.pid);
        parts.push_back("also-held-by=" + pids);
    }
    if (!e.holder_hint.empty())
        parts.push_back("held-by=" + escape_for_terminal(e.holder_hint));
    if (e.kind == EventKind::Bind && s.req_port != s.port)
        parts.push_back(fmt::format("requested-port={}", s.req_port));
    if (has_backlog(e))
        parts.push_back(fmt::format("backlog={}", s.backlog));
    if (e.kind == EventKind::Close)
        parts.push_back((e.raw.flags & TL_EVENT_LIFETIME_KNOWN)
                            ? "lifetime=" + lifetime_text(e.raw.lifetime_ns)
                            : std::string("lifetime=unknown"));
    if (e.kind == EventKind::StateChange) {
        parts.push_back(fmt::format("{}->{}", tcp_state_name(s.old_state),
                                    tcp_state_name(s.new_state)));
        if (s.peer_port)
            parts.push_back(fmt::format("peer={}:{}", address_text(s.family, s.peer_addr),
                                        s.peer_port));
    }
    if (is_dual_stack(s))
        parts.push_back("dual-stack(also-ipv4)");
    for (auto &o : option_names(s.options))
        parts.push_back(o);
    if (s.bound_dev_if)
        parts.push_back(fmt::format("dev={}", s.bound_dev_if));
    if (s.cookie) // as `ss -e` prints it, to find the same socket there
        parts.push_back(fmt::format("sk:{:x}", s.cookie));
    if (e.verdict)
        parts.push_back("policy=" + e.verdict->verdict +
                        (e.verdict->rule_id.empty() ? "" : "(" + e.verdict->rule_id + ")"));
    std::string out;
    for (auto &p : parts)
        out += (out.empty() ? "" : " ") + p;
    return out;
}

std::string TableFormat::event(const Event &e) const
{
    const tl_sock &s = e.raw.sock;
    const tl_task &t = e.raw.task;
    std::string container = "-";
    if (e.container && !e.container->id.empty())
        container = e.container->id.substr(0, 12);
    auto when_colored = [&](bool stands_out, fmt::text_style style) {
        return style_.color && stands_out ? std::optional(style) : std::nullopt;
    };
    Exposure exposure = exposure_of(s.family, s.addr);
    bool finding = e.verdict && e.verdict->verdict != "expected";
    return row({cell(local_time(e.wall_time_ns, style_.dates),
                     style_.dates ? date_time_width : time_width),
                cell(event_short_name(e), 8, Align::Left, when_colored(e.raw.error, failure_style())),
                cell(std::to_string(t.pid), 7, Align::Right), cell(std::to_string(t.ppid), 7, Align::Right),
                cell(fit(escape_for_terminal(c_field(t.comm, sizeof t.comm)), 16), 16),
                cell(container, 12), cell(transport_name(s.protocol, s.type), 5),
                cell(address_text(s.family, s.addr), 15), cell(std::to_string(s.port), 5, Align::Right),
                cell(exposure_name(exposure), 14, Align::Left,
                     when_colored(exposure == Exposure::AllInterfaces, exposed_style())),
                cell(table_detail(e), 0, Align::Left, when_colored(finding, failure_style()))});
}

std::string TableFormat::drops(const DropReport &r) const
{
    std::string text = fmt::format("ring buffer full: {} events lost so far (priority {}, "
                                   "routine {}; per CPU: {}); kernel maps full {}; "
                                   "userspace dropped {}",
                                   r.total, r.dropped_by_class[TL_CLASS_PRIORITY],
                                   r.dropped_by_class[TL_CLASS_ROUTINE], fmt::join(r.per_cpu, ","),
                                   r.kernel_map_dropped, r.userspace_dropped);
    return row({cell(local_time(r.wall_time_ns, style_.dates),
                     style_.dates ? date_time_width : time_width),
                cell("DROPS", 8, Align::Left, style_.color ? std::optional(failure_style()) : std::nullopt),
                style_.color ? fmt::format(failure_style(), "{}", text) : text});
}

} // namespace tl
