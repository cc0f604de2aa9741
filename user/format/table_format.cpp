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
#include "util/byte_words.hpp"
#include "util/decimal_text.hpp"
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
// sequences never count towards the width), each followed by one space
// (the row's last, by its end).  Written through a cursor into `out`, grown
// ahead and trimmed by finish(), as the JSON writer does: a cell of ours is
// a block of spaces and a short copy, not four string appends.
class Row {
public:
    explicit Row(std::string &out) : out_(out) { grow(0); }
    ~Row()
    {
        if (p_ != end_) // not finished; a finished string may have moved on
            finish();
    }
    Row(const Row &) = delete;
    Row &operator=(const Row &) = delete;

    // Any text, measured in terminal cells and padded to `width` (0: the
    // last cell, not padded).
    void cell(std::string_view text, std::size_t width, Align align = Align::Left,
              const Colour *colour = nullptr)
    {
        put(text, width ? display_width(text) : 0, width, align, colour);
    }
    // Text of ours known to be printable ASCII (numbers, names from our
    // tables, addresses): one cell a byte.
    template <std::size_t Width> [[gnu::always_inline]] void ascii(std::string_view text)
    {
        static_assert(Width < sizeof spaces);
        room(sizeof spaces + text.size());
        char *p = p_;
        std::memcpy(p, spaces, sizeof spaces - 1);
        byte_words::copy_small(p, text.data(), text.size());
        char *end = p + std::max(text.size(), Width);
        *end = ' '; // past the block of spaces when the text is longer
        p_ = end + 1;
    }
    // Right-aligned, digits written in place.
    template <std::size_t Width> [[gnu::always_inline]] void number(std::uint64_t value)
    {
        static_assert(Width < sizeof spaces);
        room(sizeof spaces + 20);
        char *p = p_;
        std::memcpy(p, spaces, sizeof spaces - 1);
        const std::size_t digits = decimal_digits(value);
        char *end = p + std::max(digits, Width);
        write_digits_before(end, value);
        *end = ' ';
        p_ = end + 1;
    }
    // The last cell written in pieces (the detail): no padding.
    [[gnu::always_inline]] void text(std::string_view bytes)
    {
        room(bytes.size() + 1);
        byte_words::copy_small(p_, bytes.data(), bytes.size());
        p_ += bytes.size();
    }
    void character(char c)
    {
        room(2);
        *p_++ = c;
    }
    void decimal(std::uint64_t value)
    {
        room(21);
        p_ = write_decimal(p_, value);
    }
    // The row's newline after a last cell written in pieces.
    void end_line()
    {
        character('\n');
        finish();
    }
    void local_time(std::int64_t wall_ns, bool with_date)
    {
        room(local_time_room + 1);
        p_ = write_local_time(p_, wall_ns, with_date);
        *p_++ = ' ';
    }
    // The row's last space becomes its newline.
    void end()
    {
        p_[-1] = '\n';
        finish();
    }
    // Trims `out` to what was written.
    void finish()
    {
        out_.resize(static_cast<std::size_t>(p_ - out_.data()));
        end_ = p_;
    }

private:
    static constexpr char spaces[] = "                                ";

    void put(std::string_view text, std::size_t w, std::size_t width, Align align, const Colour *colour)
    {
        std::size_t pad = width > w ? width - w : 0;
        room(pad + text.size() + 1 + (colour ? colour->on.size() + colour->off.size() : 0));
        char *p = p_;
        if (align == Align::Right)
            p = fill(p, pad);
        if (colour)
            p = copy(p, colour->on);
        p = copy(p, text);
        if (colour)
            p = copy(p, colour->off);
        if (align == Align::Left)
            p = fill(p, pad);
        *p++ = ' ';
        p_ = p;
    }
    static char *copy(char *p, std::string_view bytes)
    {
        std::memcpy(p, bytes.data(), bytes.size());
        return p + bytes.size();
    }
    static char *fill(char *p, std::size_t pad)
    {
        std::memset(p, ' ', pad);
        return p + pad;
    }
    [[gnu::always_inline]] void room(std::size_t n)
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

    std::string &out_;
    char *p_ = nullptr;
    char *end_ = nullptr;
};

// Printable ASCII without '\\': shown as it is.  Eight bytes at a time,
// the last word overlapping; a short text is one word padded with spaces.
bool plain_ascii(std::string_view text)
{
    using namespace byte_words;
    auto not_plain = [](std::uint64_t w) { return bytes_below(w, 0x20) | bytes_from_del(w) | bytes_equal(w, '\\'); };
    const char *p = text.data();
    const std::size_t n = text.size();
    if (n < 8)
        return n == 0 || !not_plain(short_word(p, n, ' '));
    std::uint64_t word;
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
        std::memcpy(&word, p + i, 8);
        if (not_plain(word))
            return false;
    }
    std::memcpy(&word, p + n - 8, 8);
    return !not_plain(word);
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
    using namespace byte_words;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, 8);
        if (bytes_below(word, 0x20) | bytes_from_del(word))
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

namespace {

// The DETAIL cell, written into `row` in pieces separated by spaces.
void write_detail(Row &row, const Event &e)
{
    const EventModel &m = model_of(e);
    const SocketModel &s = m.socket;
    bool first = true;
    // Inlined: each call's head is a constant, so its copy becomes a few stores.
    auto part = [&](std::string_view head) __attribute__((always_inline)) {
        if (!first)
            row.character(' ');
        first = false;
        row.text(head);
    };
    if (e.model.error)
        part(errno_name(e.model.error));
    // bind()/listen() is the norm; say when it was anything else.
    if (!m.via.empty() && m.via_id != TL_VIA_SYSCALL) {
        part("via=");
        row.text(m.via);
    }
    if (!s.service.empty()) {
        part("service=");
        row.text(s.service);
    }
    if (!e.extra_holders.empty()) {
        part("also-held-by=");
        bool first_holder = true;
        for (const auto &h : e.extra_holders) {
            if (!first_holder)
                row.character(',');
            first_holder = false;
            row.decimal(h.task.pid);
        }
    }
    if (!e.holder_hint.empty()) {
        part("held-by=");
        row.text(escape_for_terminal(e.holder_hint));
    }
    if (e.kind == EventKind::Bind && s.requested_port != s.port) {
        part("requested-port=");
        row.decimal(s.requested_port);
    }
    if (has_backlog(e)) {
        part("backlog=");
        row.decimal(s.backlog);
    }
    if (e.kind == EventKind::Close)
        part(e.model.lifetime_known ? "lifetime=" + lifetime_text(e.model.lifetime_ns)
                                                     : std::string("lifetime=unknown"));
    if (e.kind == EventKind::StateChange) {
        part(tcp_state_name(s.old_state));
        row.text("->");
        row.text(tcp_state_name(s.new_state));
        if (s.peer_port) {
            part("peer=");
            row.text(s.peer.text());
            row.character(':');
            row.decimal(s.peer_port);
        }
    }
    if (s.dual_stack)
        part("dual-stack(also-ipv4)");
    for_each_option_name(s.options, [&](std::string_view name) { part(name); });
    if (s.bound_dev_if) {
        part("dev=");
        row.decimal(s.bound_dev_if);
    }
    if (s.cookie) { // as `ss -e` prints it, to find the same socket there
        char hex[16];
        char *end = hex + sizeof hex, *p = end;
        for (std::uint64_t v = s.cookie; v; v >>= 4)
            *--p = "0123456789abcdef"[v & 15];
        part("sk:");
        row.text(std::string_view(p, static_cast<std::size_t>(end - p)));
    }
    if (e.verdict) {
        part("policy=");
        row.text(e.verdict->verdict);
        if (!e.verdict->rule_id.empty()) {
            row.character('(');
            row.text(e.verdict->rule_id);
            row.character(')');
        }
    }
}

} // namespace

void append_table_detail(std::string &out, const Event &e)
{
    Row row(out);
    write_detail(row, e);
    row.finish();
}

std::string table_detail(const Event &event)
{
    std::string out;
    append_table_detail(out, event);
    return out;
}

void TableFormat::write_event(std::string &out, const Event &e) const
{
    const EventModel &m = model_of(e);
    const TaskModel &t = m.task;
    const SocketModel &s = m.socket;
    const bool color = style_.color;
    Row row(out);
    row.local_time(e.wall_time_ns, style_.dates);
    if (color && e.model.error)
        row.cell(event_short_name(e), 8, Align::Left, &failure_colour());
    else
        row.ascii<8>(event_short_name(e));
    row.number<7>(t.pid);
    row.number<7>(t.ppid);
    std::string_view comm = c_field(t.comm, sizeof t.comm);
    if (plain_ascii(comm))
        row.ascii<16>(comm); // nothing to escape; 15 bytes at most always fit
    else
        row.cell(fit(escape_for_terminal(comm), 16), 16);
    if (e.container && !e.container->id.empty())
        row.cell(std::string_view(e.container->id).substr(0, 12), 12);
    else
        row.ascii<12>("-");
    row.ascii<5>(s.transport);
    row.ascii<15>(s.local.text());
    row.number<5>(s.port);
    if (color && s.exposure == Exposure::AllInterfaces)
        row.cell(exposure_name(s.exposure), 14, Align::Left, &exposed_colour());
    else
        row.ascii<14>(exposure_name(s.exposure));
    if (color && e.verdict && e.verdict->verdict != "expected") {
        thread_local std::string detail; // reused, never shrinks
        detail.clear();
        append_table_detail(detail, e);
        row.cell(detail, 0, Align::Left, &failure_colour());
        row.end();
        return;
    }
    // The last cell, not padded: written into the row as it is.
    write_detail(row, e);
    row.end_line();
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
