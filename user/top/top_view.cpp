#include "top/top_view.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "top/display_text.hpp"

namespace tl::top {

namespace {

constexpr int min_width = 40;
constexpr int min_height = 8;
constexpr std::size_t max_filter_bytes = 64;

struct ColumnSpec {
    std::string_view title;
    std::size_t min;
    std::size_t preferred;
    int priority;            // the lowest goes first when the terminal is narrow
    bool right = false;
    bool rest = false;       // takes what the others leave (command line, detail)
    bool only_wide = false;  // shown only once every other column has its preferred width
};

// Widths that fit `width` (0: the column is left out).  The least important
// columns go first; what is left grows the others, most important first,
// to their preferred width; the remainder goes to the
// `rest` column.  (An only_wide column counts as wanting its preferred width
// for all the others.)
std::vector<std::size_t> column_widths(const std::vector<ColumnSpec> &cols, std::size_t width)
{
    const std::size_t n = cols.size();
    std::vector<bool> on(n, true);
    auto sum = [&](bool preferred) {
        std::size_t total = 0, count = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (on[i]) {
                total += preferred && !cols[i].rest ? cols[i].preferred : cols[i].min;
                ++count;
            }
        return total + (count ? count - 1 : 0);
    };
    for (std::size_t i = 0; i < n; ++i)
        if (cols[i].only_wide && sum(true) > width)
            on[i] = false;
    while (sum(false) > width) {
        std::size_t drop = n;
        for (std::size_t i = 0; i < n; ++i)
            if (on[i] && (drop == n || cols[i].priority < cols[drop].priority))
                drop = i;
        if (drop == n)
            break;
        on[drop] = false;
    }
    std::vector<std::size_t> w(n, 0);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i)
        if (on[i]) {
            w[i] = cols[i].min;
            order.push_back(i);
        }
    std::stable_sort(order.begin(), order.end(),
                     [&](auto a, auto b) { return cols[a].priority > cols[b].priority; });
    std::size_t extra = width > sum(false) ? width - sum(false) : 0;
    for (auto i : order) {
        std::size_t grow = std::min(extra, cols[i].preferred - w[i]);
        w[i] += grow;
        extra -= grow;
    }
    for (std::size_t i = 0; i < n; ++i)
        if (on[i] && cols[i].rest) {
            w[i] += extra;
            break;
        }
    return w;
}

std::string wall_clock(std::int64_t wall_ns)
{
    time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000);
    struct tm tm {};
    localtime_r(&secs, &tm);
    char buf[16];
    strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}

const std::vector<ColumnSpec> &listening_columns()
{
    static const std::vector<ColumnSpec> cols = {
        {"PROTO", 5, 5, 8},
        {"ADDRESS:PORT", 15, 24, 10},
        {"SERVICE", 10, 12, 2},
        {"EXPOSURE", 14, 14, 9},
        {"PROCESS", 10, 16, 10},
        {"PID", 7, 7, 7, true},
        {"USER", 6, 10, 4},
        {"CONTAINER", 9, 12, 3},
        {"AGE", 6, 7, 5, true},
        {"COMMAND", 20, 20, 1, false, true, true},
    };
    return cols;
}

const std::vector<ColumnSpec> &past_columns()
{
    static const std::vector<ColumnSpec> cols = {
        {"WHEN", 8, 8, 9},
        {"WHAT", 11, 11, 10},
        {"PROTO", 5, 5, 6},
        {"ADDRESS:PORT", 15, 24, 10},
        {"PROCESS", 10, 16, 11},
        {"PID", 7, 7, 7, true},
        {"CONTAINER", 9, 12, 3},
        {"DETAIL", 24, 40, 12, false, true}, // lifetime, or who holds the port
    };
    return cols;
}

std::string_view past_kind_text(PastKind kind)
{
    switch (kind) {
    case PastKind::Closed: return "closed";
    case PastKind::BindFailed: return "bind failed";
    case PastKind::ListenFailed: return "listen fail";
    }
    return "?";
}

std::string past_detail(const PastRow &p)
{
    if (p.kind == PastKind::Closed) {
        if (!p.lifetime_known)
            return "lived ?";
        return "lived " + duration_text(p.lifetime_ns) + (p.short_lived ? " short-lived" : "");
    }
    std::string out = p.error;
    if (!p.holder.empty())
        out += " held by " + p.holder;
    return out;
}

std::string age_text(const ListenerRow &row, std::int64_t now_wall_ns)
{
    std::int64_t age = std::max<std::int64_t>(0, now_wall_ns - row.since_wall_ns);
    return (row.since_before ? ">" : "") + duration_text(static_cast<std::uint64_t>(age));
}

} // namespace

std::string duration_text(std::uint64_t ns)
{
    if (ns < 1'000'000)
        return fmt::format("{}us", ns / 1000);
    if (ns < 1'000'000'000)
        return fmt::format("{:.1f}ms", ns / 1e6);
    std::uint64_t s = ns / 1'000'000'000;
    if (s < 60)
        return fmt::format("{:.1f}s", ns / 1e9);
    if (s < 3600)
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    if (s < 86400)
        return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
    return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string TopView::cell(std::string_view text, std::size_t width, bool right) const
{
    return utf8_ ? fit(text, width, right) : fit(ascii_only(text), width, right);
}

void TopView::press(int k)
{
    if (editing_filter_) {
        if (k == key::enter) {
            editing_filter_ = false;
        } else if (k == key::escape) {
            filter_.clear();
            editing_filter_ = false;
        } else if (k == key::backspace || k == 8) {
            while (!filter_.empty() && (static_cast<unsigned char>(filter_.back()) & 0xC0) == 0x80)
                filter_.pop_back();
            if (!filter_.empty())
                filter_.pop_back();
        } else if (k >= 0x20 && k < 0x110000 && k != 0x7F && filter_.size() < max_filter_bytes) {
            // The terminal sends UTF-8 one byte at a time: keep them as typed.
            filter_ += static_cast<char>(k);
        }
        reselect();
        return;
    }
    if (k == 'q' || k == 'Q') {
        quit_ = true;
        return;
    }
    if (help_) {
        help_ = false;
        return;
    }
    if (details_) {
        if (k == key::escape || k == key::enter || k == key::backspace)
            details_ = false;
        else if (k == key::down || k == key::page_down)
            ++detail_scroll_;
        else if ((k == key::up || k == key::page_up) && detail_scroll_ > 0)
            --detail_scroll_;
        return;
    }
    switch (k) {
    case 'p':
    case 'P':
        paused_ = !paused_;
        break;
    case '/':
        editing_filter_ = true;
        break;
    case key::escape:
        filter_.clear();
        reselect();
        break;
    case 's':
        sort_ = next_sort_key(sort_);
        reselect();
        break;
    case 'S':
        reverse_ = !reverse_;
        reselect();
        break;
    case '?':
    case 'h':
        help_ = true;
        break;
    case key::up: move_selection(-1); break;
    case key::down: move_selection(1); break;
    case key::page_up: move_selection(-10); break;
    case key::page_down: move_selection(10); break;
    case key::home: move_selection(-static_cast<long>(row_count())); break;
    case key::end: move_selection(static_cast<long>(row_count())); break;
    case key::enter:
        if (selected_ < shown_.listening.size()) {
            detail_row_ = shown_.listening[selected_];
            detail_past_.reset();
        } else if (selected_ < row_count()) {
            detail_past_ = shown_.past[selected_ - shown_.listening.size()];
            detail_row_ = detail_past_->socket;
        } else {
            break;
        }
        details_ = true;
        detail_scroll_ = 0;
        break;
    default: break;
    }
}

const void *TopView::row_identity(std::size_t i) const
{
    if (i < shown_.listening.size())
        return shown_.listening[i].get();
    if (i < row_count())
        return shown_.past[i - shown_.listening.size()].get();
    return nullptr;
}

void TopView::move_selection(long delta)
{
    if (row_count() == 0)
        return;
    long target = static_cast<long>(selected_) + delta;
    target = std::clamp(target, 0L, static_cast<long>(row_count()) - 1);
    selected_ = static_cast<std::size_t>(target);
    selected_identity_ = row_identity(selected_);
}

void TopView::update(BoardView all)
{
    if (paused_)
        return;
    all_ = std::move(all);
    reselect();
}

// Keeps the selection on the same row while rows come, go and reorder.
void TopView::reselect()
{
    shown_ = select(all_, filter_, sort_, reverse_);
    for (std::size_t i = 0; i < row_count(); ++i)
        if (row_identity(i) == selected_identity_) {
            selected_ = i;
            return;
        }
    if (selected_ >= row_count())
        selected_ = row_count() ? row_count() - 1 : 0;
    selected_identity_ = row_identity(selected_);
}

std::vector<std::string> TopView::detail_lines() const
{
    std::vector<std::string> out;
    if (!detail_row_)
        return out;
    const ListenerRow &r = *detail_row_;
    auto line = [&out](std::string_view label, const std::string &value) {
        out.push_back(fmt::format("{:<13}{}", label, value.empty() ? "-" : value));
    };
    if (detail_past_) {
        const PastRow &p = *detail_past_;
        line(p.kind == PastKind::Closed ? "Closed" : "Failed",
             fmt::format("{} {}: {}", wall_clock(p.wall_ns), past_kind_text(p.kind), past_detail(p)));
    }
    line("Socket", fmt::format("{} {} ({}){}{}", r.protocol, endpoint_text(r),
                               exposure_name(r.exposure),
                               r.service.empty() ? "" : " service " + r.service,
                               r.backlog ? fmt::format(" backlog {}", r.backlog) : ""));
    line("Options", r.socket_options);
    line(r.since_before ? "Seen" : "Since",
         r.since_before ? "listening at start-up (" + wall_clock(r.since_wall_ns) + ")"
                        : wall_clock(r.since_wall_ns));
    line("Process", fmt::format("{} pid {} user {}", r.process, r.pid, r.user));
    line("Command line", r.command_line);
    line("Executable", r.executable);
    if (r.ancestors.empty())
        line("Ancestors", "");
    for (std::size_t i = 0; i < r.ancestors.size(); ++i)
        line(i ? "" : "Ancestors", r.ancestors[i]);
    line("Cgroup", r.cgroup);
    line("Container", r.container.empty() ? r.container_runtime
                                          : r.container + " " + r.container_runtime);
    line("Cookie", r.cookie ? std::to_string(r.cookie) : std::string("unknown"));
    line("Net ns", std::to_string(r.netns));
    if (!r.other_holders.empty())
        line("Also held by", r.other_holders);
    if (r.verdict != Verdict::None)
        line("Policy", fmt::format("{} {}", r.verdict == Verdict::Forbidden    ? "forbidden"
                                            : r.verdict == Verdict::Unexpected ? "unexpected"
                                                                               : "expected",
                                   r.rule_id));
    return out;
}

std::vector<ScreenLine> TopView::render(const HeaderFacts &facts, int width, int height,
                                        std::int64_t now_wall_ns) const
{
    if (width < min_width || height < min_height) {
        std::vector<ScreenLine> lines(1);
        lines[0].push_back({cell(fmt::format("terminal too small ({}x{}), need {}x{}; q quits",
                                             width, height, min_width, min_height),
                                 static_cast<std::size_t>(std::max(width, 1))),
                            Style::Alert});
        return lines;
    }
    return render_board(facts, width, height, now_wall_ns);
}

std::vector<ScreenLine> TopView::render_board(const HeaderFacts &facts, int width_, int height,
                                              std::int64_t now_wall_ns) const
{
    const auto width = static_cast<std::size_t>(width_);
    std::vector<ScreenLine> lines;

    // Header: counts and drops, then policy and hooks.
    {
        ScreenLine l;
        l.push_back({"trace-listen top", Style::Title});
        if (paused_)
            l.push_back({" PAUSED", Style::Alert});
        l.push_back({fmt::format("  {} listening  {:.0f} events/s  drops: ring-buffer ",
                                 all_.listening_total, facts.events_per_second)});
        l.push_back({std::to_string(facts.ringbuf_drops),
                     facts.ringbuf_drops ? Style::Alert : Style::Normal});
        l.push_back({" sinks "});
        l.push_back({std::to_string(facts.sink_drops), facts.sink_drops ? Style::Alert : Style::Normal});
        lines.push_back(std::move(l));
    }
    {
        ScreenLine l;
        if (facts.policy) {
            l.push_back({"policy: "});
            l.push_back({fmt::format("{} forbidden", all_.policy.forbidden),
                         all_.policy.forbidden ? Style::Forbidden : Style::Normal});
            l.push_back({" "});
            l.push_back({fmt::format("{} unexpected", all_.policy.unexpected),
                         all_.policy.unexpected ? Style::Unexpected : Style::Normal});
            l.push_back({fmt::format(" {} expected  ", all_.policy.expected)});
        }
        l.push_back({facts.hooks});
        lines.push_back(std::move(l));
    }

    const std::size_t body = static_cast<std::size_t>(height) - 3;
    if (help_) {
        static const char *help[] = {
            "Keys",
            "  q          quit (also Ctrl-C)",
            "  p          pause / resume the display (tracing goes on)",
            "  /          filter as you type: process name, port or container; Enter keeps it,",
            "             Esc clears it",
            "  s / S      sort by the next column / reverse the order",
            "  Up Down    select a row (PgUp PgDn Home End)",
            "  Enter      details of the selected row: command line, ancestors, cgroup, cookie",
            "  ?          this help; any key closes it",
            "",
            "Listening now: sockets listening (TCP) or bound (UDP), from the start-up snapshot",
            "  and live; all-interfaces rows are reachable from any network.",
            "Came and went: listeners that closed (with how long they lived; short-lived:",
            "  under 1 s) and binds or listens that failed, newest first.",
            "UDP has no close event: a UDP row leaves when its process exits.",
        };
        for (const char *h : help)
            if (lines.size() < 2 + body)
                lines.push_back({{cell(h, width), *h == 'K' ? Style::Title : Style::Normal}});
    } else if (details_) {
        lines.push_back({{cell("DETAILS  (Esc or Enter: back, Up/Down: scroll)", width), Style::Title}});
        // Long values (command lines) go on under their value, not under the label.
        std::vector<std::string> wrapped;
        const std::size_t indent = 13;
        for (const auto &d : detail_lines()) {
            std::string text = utf8_ ? d : ascii_only(d);
            auto first = wrap(text, width);
            wrapped.push_back(first[0]);
            if (first.size() == 1 || width <= indent + 10)
                continue;
            std::string rest = text.substr(first[0].size());
            for (auto &piece : wrap(rest, width - indent))
                wrapped.push_back(std::string(indent, ' ') + piece);
        }
        for (std::size_t i = std::min(detail_scroll_, wrapped.size()); i < wrapped.size(); ++i)
            if (lines.size() < 2 + body)
                lines.push_back({{cell(wrapped[i], width), Style::Normal}});
    } else {
        const auto &lcols = listening_columns();
        const auto &pcols = past_columns();
        auto lw = column_widths(lcols, width);
        auto pw = column_widths(pcols, width);
        auto header = [&](const std::vector<ColumnSpec> &cols, const std::vector<std::size_t> &w) {
            std::string text;
            for (std::size_t i = 0; i < cols.size(); ++i)
                if (w[i]) {
                    if (!text.empty())
                        text += ' ';
                    text += fit(cols[i].title, w[i], cols[i].right);
                }
            return ScreenLine{{fit(text, width), Style::ColumnHeader}};
        };
        // Rows for each part: what fits, the listeners getting at least 3/5.
        std::size_t avail = body > 4 ? body - 4 : 0;
        std::size_t L = shown_.listening.size(), P = shown_.past.size();
        std::size_t prows = 0;
        if (L + P <= avail)
            prows = P;
        else
            prows = std::min(P, std::max(avail * 2 / 5, avail > L ? avail - L : 0));
        std::size_t lrows = avail - prows;

        std::string sort_text = fmt::format("sort: {}{}", sort_key_name(sort_),
                                            sort_ == SortKey::Exposure ? ", port" : "");
        if (reverse_)
            sort_text += " (reversed)";
        std::string ltitle = fmt::format("LISTENING NOW  {} of {}  {}", L, all_.listening_total, sort_text);
        if (!filter_.empty() || editing_filter_)
            ltitle += "  filter: " + filter_;
        lines.push_back({{cell(ltitle, width), Style::Title}});
        lines.push_back(header(lcols, lw));

        std::size_t loffset = 0;
        if (selected_ < L && selected_ >= lrows)
            loffset = selected_ - lrows + 1;
        for (std::size_t i = loffset; i < L && i < loffset + lrows; ++i) {
            const ListenerRow &r = *shown_.listening[i];
            Style row_style = r.verdict == Verdict::Forbidden    ? Style::Forbidden
                              : r.verdict == Verdict::Unexpected ? Style::Unexpected
                                                                 : Style::Normal;
            std::string values[] = {r.protocol,
                                    endpoint_text(r),
                                    r.service.empty() ? "-" : r.service,
                                    std::string(exposure_name(r.exposure)),
                                    r.process.empty() ? "-" : r.process,
                                    r.pid ? std::to_string(r.pid) : "-",
                                    r.pid ? r.user : "-",
                                    r.container.empty() ? "-" : r.container,
                                    age_text(r, now_wall_ns),
                                    r.command_line};
            ScreenLine l;
            bool selected = i == selected_;
            for (std::size_t c = 0; c < lcols.size(); ++c) {
                if (!lw[c])
                    continue;
                if (!l.empty())
                    l.push_back({" ", selected ? Style::Selected : row_style});
                Style s = selected ? Style::Selected : row_style;
                if (!selected && c == 3 && r.exposure == Exposure::AllInterfaces && row_style == Style::Normal)
                    s = Style::AllInterfaces;
                l.push_back({cell(values[c], lw[c], lcols[c].right), s});
            }
            lines.push_back(std::move(l));
        }
        while (lines.size() < 4 + lrows)
            lines.push_back({});

        std::string ptitle = fmt::format("CAME AND WENT  {} of {}, newest first; short-lived: under 1s",
                                         P, all_.past_total);
        lines.push_back({{cell(ptitle, width), Style::Title}});
        lines.push_back(header(pcols, pw));
        std::size_t poffset = 0;
        if (selected_ >= L && selected_ - L >= prows)
            poffset = selected_ - L - prows + 1;
        for (std::size_t i = poffset; i < P && i < poffset + prows; ++i) {
            const PastRow &p = *shown_.past[i];
            const ListenerRow &r = *p.socket;
            Style row_style = p.kind != PastKind::Closed          ? Style::Failed
                              : r.verdict == Verdict::Forbidden  ? Style::Forbidden
                              : r.verdict == Verdict::Unexpected ? Style::Unexpected
                              : p.short_lived                    ? Style::ShortLived
                                                                 : Style::Normal;
            if (L + i == selected_)
                row_style = Style::Selected;
            std::string values[] = {wall_clock(p.wall_ns),
                                    std::string(past_kind_text(p.kind)),
                                    r.protocol,
                                    endpoint_text(r),
                                    r.process.empty() ? "-" : r.process,
                                    r.pid ? std::to_string(r.pid) : "-",
                                    r.container.empty() ? "-" : r.container,
                                    past_detail(p)};
            std::string text;
            for (std::size_t c = 0; c < pcols.size(); ++c)
                if (pw[c]) {
                    if (!text.empty())
                        text += ' ';
                    text += cell(values[c], pw[c], pcols[c].right);
                }
            lines.push_back({{text, row_style}});
        }
    }
    while (lines.size() < 2 + body)
        lines.push_back({});

    ScreenLine keys;
    if (editing_filter_)
        keys.push_back({cell("filter: " + filter_ + "_   (process, port or container; Enter keeps, Esc clears)",
                             width),
                        Style::Keys});
    else {
        std::string k = "q quit  p pause  / filter  s/S sort  Up/Down select  Enter details  ? help";
        if (!facts.notice.empty()) {
            std::size_t kw = std::min(display_width(k), width);
            keys.push_back({cell(k, kw), Style::Keys});
            if (width > kw + 2)
                keys.push_back({cell("  " + facts.notice, width - kw), Style::Alert});
        } else {
            keys.push_back({cell(k, width), Style::Keys});
        }
    }
    lines.push_back(std::move(keys));
    // Every line exactly `width` columns: nothing of the last frame survives.
    for (auto &l : lines) {
        std::size_t used = 0;
        for (std::size_t i = 0; i < l.size(); ++i) {
            std::size_t w = display_width(l[i].text);
            if (used + w > width) { // a header with large counts on a narrow screen
                l[i].text = fit(l[i].text, width - used);
                l.resize(i + 1);
                used = width;
                break;
            }
            used += w;
        }
        if (used < width)
            l.push_back({std::string(width - used, ' ')});
    }
    return lines;
}

} // namespace tl::top
