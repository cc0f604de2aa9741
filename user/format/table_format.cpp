#include "format/table_format.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <clocale>
#include <cstring>
#include <ctime>
#include <cwchar>
#include <locale.h>
#include <wchar.h>

#include <fmt/color.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "format/json_writer.hpp"
#include "format/time_text.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/event_model.hpp"
#include "pipeline/event_text.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

namespace tl {

namespace {

// Column widths in terminal cells, in order: TIME (without date) EVENT PID
// PPID COMM CONTAINER PROTO ADDRESS PORT EXPOSURE; DETAIL takes the rest.
constexpr std::size_t time_width = 12, date_time_width = 23;

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

// An ANSI style as the bytes before and after the text it colours.
struct Colour {
    std::string on, off;
    explicit Colour(fmt::text_style style)
    {
        std::string sample = fmt::format(style, "{}", "\x01");
        auto at = sample.find('\x01');
        on = sample.substr(0, at);
        off = sample.substr(at + 1);
    }
};

const Colour &failure_colour()
{
    static const Colour c(fmt::fg(fmt::terminal_color::bright_red) | fmt::emphasis::bold);
    return c;
}
const Colour &exposed_colour()
{
    static const Colour c(fmt::fg(fmt::terminal_color::yellow) | fmt::emphasis::bold);
    return c;
}

// One row being written: cells padded to their width, then coloured (escape
// sequences never count towards the width), separated by one space.  Written
// through a cursor into `out`, grown ahead and trimmed by end(), as the JSON
// writer does (a cell is then a few stores, not four string appends).
class Row {
public:
    explicit Row(std::string &out) : out_(out), p_(nullptr), end_(nullptr) { grow(0); }
    ~Row()
    {
        if (p_ != end_) // not finished by end(); a finished string may have moved on
            finish();
    }
    Row(const Row &) = delete;
    Row &operator=(const Row &) = delete;
    void cell(std::string_view text, std::size_t width, Align align = Align::Left,
              const Colour *colour = nullptr)
    {
        // A cell without a width (the last) is not padded: no need to measure it.
        put(text, width ? display_width(text) : 0, width, align, colour);
    }
    // Text of ours known to be printable ASCII (numbers, names from our
    // tables, addresses): one cell a byte, not measured.
    void ascii_cell(std::string_view text, std::size_t width, Align align = Align::Left,
                    const Colour *colour = nullptr)
    {
        put(text, text.size(), width, align, colour);
    }
    void number(std::uint64_t value, std::size_t width)
    {
        char buf[24];
        ascii_cell(std::string_view(buf, static_cast<std::size_t>(write_decimal(buf, value) - buf)), width, Align::Right);
    }
    void end()
    {
        room(1);
        *p_++ = '\n';
        finish();
    }

private:
    void put(std::string_view text, std::size_t w, std::size_t width, Align align, const Colour *colour)
    {
        std::size_t pad = width > w ? width - w : 0;
        // + 32: padding is written as a block of 32 spaces (see fill).
        room(1 + pad + 32 + text.size() + (colour ? colour->on.size() + colour->off.size() : 0));
        // A local cursor, stored once (a char store may alias p_).
        char *p = p_;
        if (!first_)
            *p++ = ' ';
        first_ = false;
        if (align == Align::Right)
            p = fill(p, pad);
        if (colour)
            p = copy(p, colour->on);
        p = copy(p, text);
        if (colour)
            p = copy(p, colour->off);
        if (align == Align::Left)
            p = fill(p, pad);
        p_ = p;
    }
    static char *copy(char *p, std::string_view bytes)
    {
        std::memcpy(p, bytes.data(), bytes.size());
        return p + bytes.size();
    }
    // The room has 32 bytes to spare: a column's padding (at most a
    // timestamp's width) is one fixed-size copy, not a memset of `pad`.
    static char *fill(char *p, std::size_t pad)
    {
        static constexpr char spaces[] = "                                ";
        static_assert(sizeof spaces - 1 == 32);
        if (pad <= 32)
            std::memcpy(p, spaces, 32);
        else
            std::memset(p, ' ', pad);
        return p + pad;
    }
    void room(std::size_t n)
    {
        if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
            grow(n);
    }
    void grow(std::size_t n)
    {
        std::size_t at = p_ ? static_cast<std::size_t>(p_ - out_.data()) : out_.size();
        out_.resize(std::max({at + n, out_.capacity(), std::size_t{256}}));
        p_ = out_.data() + at;
        end_ = out_.data() + out_.size();
    }
    void finish()
    {
        out_.resize(static_cast<std::size_t>(p_ - out_.data()));
        end_ = p_;
    }

    std::string &out_;
    char *p_;
    char *end_;
    bool first_ = true;
};

// Printable ASCII without '\\': shown as it is.
bool plain_ascii(std::string_view text)
{
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7F || c == '\\')
            return false;
    }
    return true;
}

std::string lifetime_text(std::uint64_t ns)
{
    if (ns < 1'000'000)
        return fmt::format("{}us", ns / 1000);
    if (ns < 10'000'000'000ULL)
        return fmt::format("{:.1f}ms", ns / 1e6);
    return fmt::format("{:.1f}s", ns / 1e9);
}

} // namespace

std::size_t display_width(std::string_view text)
{
    // Printable ASCII is one cell a character (eight checked at a time).
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, 8);
        // Any byte < 0x20, or >= 0x7F (0x7F + 1 sets the high bit).
        if (((word - 0x20 * ones) & ~word & highs) | ((word | (word + ones)) & highs))
            break;
    }
    for (; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7F)
            break;
    }
    if (i == text.size())
        return i;
    if (is_ascii(text)) {
        // Printable ASCII is one cell a character; controls take none.
        std::size_t width = 0;
        for (char c : text)
            width += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) ? 1 : 0;
        return width;
    }
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
    std::string out;
    Row row(out);
    row.cell(time_title(style_.dates), style_.dates ? date_time_width : time_width);
    row.cell("EVENT", 8);
    row.cell("PID", 7, Align::Right);
    row.cell("PPID", 7, Align::Right);
    row.cell("COMM", 16);
    row.cell("CONTAINER", 12);
    row.cell("PROTO", 5);
    row.cell("ADDRESS", 15);
    row.cell("PORT", 5, Align::Right);
    row.cell("EXPOSURE", 14);
    row.cell("DETAIL", 0);
    row.end();
    return out;
}

void append_table_detail(std::string &out, const Event &e)
{
    const tl_sock &s = e.raw.sock;
    const SocketModel &m = model_of(e).socket;
    const std::size_t start = out.size();
    auto part = [&]() -> std::string & {
        if (out.size() != start)
            out += ' ';
        return out;
    };
    if (e.raw.error)
        part() += errno_name(e.raw.error);
    // bind()/listen() is the norm; say when it was anything else.
    if (!m.via.empty() && e.raw.via != TL_VIA_SYSCALL)
        (part() += "via=") += m.via;
    if (!m.service.empty())
        (part() += "service=") += m.service;
    if (!e.extra_holders.empty()) {
        part() += "also-held-by=";
        bool first = true;
        for (const auto &h : e.extra_holders) {
            if (!first)
                out += ',';
            first = false;
            append_decimal(out, std::uint64_t{h.task.pid});
        }
    }
    if (!e.holder_hint.empty())
        (part() += "held-by=") += escape_for_terminal(e.holder_hint);
    if (e.kind == EventKind::Bind && s.req_port != s.port)
        append_decimal(part() += "requested-port=", std::uint64_t{s.req_port});
    if (has_backlog(e))
        append_decimal(part() += "backlog=", std::uint64_t{s.backlog});
    if (e.kind == EventKind::Close)
        part() += (e.raw.flags & TL_EVENT_LIFETIME_KNOWN) ? "lifetime=" + lifetime_text(e.raw.lifetime_ns)
                                                          : std::string("lifetime=unknown");
    if (e.kind == EventKind::StateChange) {
        ((part() += tcp_state_name(s.old_state)) += "->") += tcp_state_name(s.new_state);
        if (s.peer_port) {
            part() += "peer=";
            out += m.peer_known ? std::string(m.peer.text()) : address_text(s.family, s.peer_addr);
            out += ':';
            append_decimal(out, std::uint64_t{s.peer_port});
        }
    }
    if (m.dual_stack)
        part() += "dual-stack(also-ipv4)";
    for_each_option_name(m.options, [&](std::string_view name) { part() += name; });
    if (s.bound_dev_if)
        append_decimal(part() += "dev=", std::uint64_t{s.bound_dev_if});
    if (s.cookie) { // as `ss -e` prints it, to find the same socket there
        char hex[16];
        char *end = hex + sizeof hex, *p = end;
        for (std::uint64_t v = s.cookie; v; v >>= 4)
            *--p = "0123456789abcdef"[v & 15];
        (part() += "sk:").append(p, static_cast<std::size_t>(end - p));
    }
    if (e.verdict) {
        (part() += "policy=") += e.verdict->verdict;
        if (!e.verdict->rule_id.empty())
            ((out += '(') += e.verdict->rule_id) += ')';
    }
}

std::string table_detail(const Event &event)
{
    std::string out;
    append_table_detail(out, event);
    return out;
}

void TableFormat::write_event(std::string &out, const Event &e) const
{
    const tl_task &t = e.raw.task;
    const SocketModel &m = model_of(e).socket;
    auto colour_if = [&](bool stands_out, const Colour &colour) {
        return style_.color && stands_out ? &colour : nullptr;
    };
    thread_local std::string scratch; // time, then the detail: reused, never shrinks
    Row row(out);
    scratch.clear();
    append_local_time(scratch, e.wall_time_ns, style_.dates);
    row.ascii_cell(scratch, style_.dates ? date_time_width : time_width);
    row.ascii_cell(event_short_name(e), 8, Align::Left, colour_if(e.raw.error, failure_colour()));
    row.number(t.pid, 7);
    row.number(t.ppid, 7);
    std::string_view comm = c_field(t.comm, sizeof t.comm);
    if (plain_ascii(comm))
        row.ascii_cell(comm, 16); // nothing to escape; 15 bytes at most always fit
    else
        row.cell(fit(escape_for_terminal(comm), 16), 16);
    std::string_view container = "-";
    if (e.container && !e.container->id.empty())
        container = std::string_view(e.container->id).substr(0, 12);
    row.cell(container, 12);
    row.ascii_cell(m.transport, 5);
    row.ascii_cell(m.local.text(), 15);
    row.number(m.port, 5);
    row.ascii_cell(exposure_name(m.exposure), 14, Align::Left,
             colour_if(m.exposure == Exposure::AllInterfaces, exposed_colour()));
    scratch.clear();
    append_table_detail(scratch, e);
    bool finding = e.verdict && e.verdict->verdict != "expected";
    row.cell(scratch, 0, Align::Left, colour_if(finding, failure_colour()));
    row.end();
}


void TableFormat::write_drops(std::string &out, const DropReport &r) const
{
    std::string text = fmt::format("ring buffer full: {} events lost so far (priority {}, "
                                   "routine {}; per CPU: {}); kernel maps full {}; "
                                   "userspace dropped {}",
                                   r.total, r.dropped_by_class[TL_CLASS_PRIORITY],
                                   r.dropped_by_class[TL_CLASS_ROUTINE], fmt::join(r.per_cpu, ","),
                                   r.kernel_map_dropped, r.userspace_dropped);
    std::string time;
    append_local_time(time, r.wall_time_ns, style_.dates);
    Row row(out);
    row.cell(time, style_.dates ? date_time_width : time_width);
    row.cell("DROPS", 8, Align::Left, style_.color ? &failure_colour() : nullptr);
    row.cell(text, 0, Align::Left, style_.color ? &failure_colour() : nullptr);
    row.end();
}

// The path is the user's: escaped like a process name, so it cannot move
// the cursor or fake a second line.
void TableFormat::write_chain_head(std::string &out, const ChainHeadNotice &n) const
{
    std::string text = fmt::format("record {} sealed at frame {} ({}, {} records): chain head {}",
                                   escape_for_terminal(n.file), n.frame, n.reason, n.records,
                                   n.head);
    std::string time;
    append_local_time(time, n.wall_time_ns, style_.dates);
    Row row(out);
    row.cell(time, style_.dates ? date_time_width : time_width);
    row.cell("SEALED", 8);
    row.cell(text, 0);
    row.end();
}

} // namespace tl
