// The screen of `trace-listen top` as text: what each key does, and that
// every line fits the terminal whatever the names hold.
#include <clocale>

#include <catch2/catch.hpp>

#include "top/display_text.hpp"
#include "top/listener_board.hpp"
#include "top/top_view.hpp"
#include "unit/policy_test_events.hpp"

using namespace tl;
using namespace tl::top;
using tl::test::ListenerSpec;
using tl::test::listener_event;

namespace {

constexpr std::int64_t second = 1'000'000'000;

// Widths of non-ASCII characters come from the locale, as on a terminal.
struct Utf8Locale {
    Utf8Locale() { REQUIRE(std::setlocale(LC_CTYPE, "C.UTF-8")); }
    ~Utf8Locale() { std::setlocale(LC_CTYPE, "C"); }
};

Event listener(std::uint16_t port, std::uint64_t cookie, std::string comm = "server",
               std::string address = "0.0.0.0")
{
    ListenerSpec spec;
    spec.port = port;
    spec.cookie = cookie;
    spec.comm = std::move(comm);
    spec.address = std::move(address);
    Event e = listener_event(spec);
    e.wall_time_ns = 100 * second;
    return e;
}

std::string text_of(const ScreenLine &line)
{
    std::string out;
    for (const auto &s : line)
        out += s.text;
    return out;
}

std::string screen_text(const std::vector<ScreenLine> &lines)
{
    std::string out;
    for (const auto &l : lines)
        out += text_of(l) + "\n";
    return out;
}

std::vector<ScreenLine> draw(const TopView &view, int width = 80, int height = 24)
{
    HeaderFacts facts;
    facts.hooks = "hooks: bind/listen=syscall-tracepoints tcp-state=tp_btf";
    return view.render(facts, width, height, 160 * second);
}

void type(TopView &view, std::string_view keys)
{
    for (char c : keys)
        view.press(static_cast<unsigned char>(c));
}

// The line holding `needle`, or -1.
int line_with(const std::vector<ScreenLine> &lines, std::string_view needle)
{
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (text_of(lines[i]).find(needle) != std::string::npos)
            return static_cast<int>(i);
    return -1;
}

} // namespace

TEST_CASE("top view: every line is exactly as wide as the terminal - 80x24 and wide")
{
    Utf8Locale utf8;
    ListenerBoard board;
    for (std::uint16_t p = 1; p <= 40; ++p)
        board.apply(listener(static_cast<std::uint16_t>(1000 + p), p));
    TopView view;
    view.update(board.snapshot());
    for (auto [w, h] : {std::pair{80, 24}, std::pair{200, 50}, std::pair{40, 8}, std::pair{132, 43}}) {
        auto lines = draw(view, w, h);
        INFO(w << "x" << h << "\n" << screen_text(lines));
        REQUIRE(lines.size() == static_cast<std::size_t>(h));
        for (const auto &l : lines)
            CHECK(display_width(text_of(l)) == static_cast<std::size_t>(w));
    }
    auto narrow = screen_text(draw(view, 80, 24));
    CHECK(narrow.find("LISTENING NOW") != std::string::npos);
    CHECK(narrow.find("CAME AND WENT") != std::string::npos);
    CHECK(narrow.find("q quit") != std::string::npos);
    CHECK(narrow.find("COMMAND") == std::string::npos); // no room at 80 columns
    CHECK(screen_text(draw(view, 200, 50)).find("COMMAND") != std::string::npos);
}

TEST_CASE("top view: a name with escape codes is shown escaped and the layout holds")
{
    Utf8Locale utf8;
    ListenerBoard board;
    board.apply(listener(4444, 1, "evil\x1b[2J\n\x07x"));
    board.apply(listener(5555, 2, "good"));
    TopView view;
    view.update(board.snapshot());
    auto lines = draw(view);
    std::string all = screen_text(lines);
    INFO(all);
    CHECK(all.find('\x1b') == std::string::npos);
    CHECK(all.find('\x07') == std::string::npos);
    CHECK(all.find("evil\\x1b[") != std::string::npos); // cut to the column, escaped
    for (const auto &l : lines)
        CHECK(display_width(text_of(l)) == 80);
    // Both rows are where the layout puts them: one line each.
    int evil = line_with(lines, "evil"), good = line_with(lines, "good");
    CHECK(evil > 0);
    CHECK(good == evil + 1);
    // The details show the whole name, still escaped.
    view.press(key::enter);
    std::string details = screen_text(draw(view));
    INFO(details);
    CHECK(details.find("evil\\x1b[2J\\n\\x07x pid 4242") != std::string::npos);
    CHECK(details.find('\x1b') == std::string::npos);
}

TEST_CASE("top view: wide characters take two columns and the columns still line up")
{
    Utf8Locale utf8;
    CHECK(display_width("漢字") == 4);
    CHECK(display_width("abc") == 3);
    CHECK(fit("漢字漢字", 5) == "漢字~");
    CHECK(display_width(fit("漢字漢字", 6)) == 6);
    CHECK(fit("ab", 4, true) == "  ab");
    ListenerBoard board;
    board.apply(listener(4000, 1, "漢字サーバー"));
    board.apply(listener(4001, 2, "plain"));
    TopView view;
    view.update(board.snapshot());
    auto lines = draw(view);
    int a = line_with(lines, "4000"), b = line_with(lines, "4001");
    REQUIRE(a > 0);
    REQUIRE(b > 0);
    // The PID column starts at the same screen column on both rows.
    auto column_of = [](const std::string &line, const std::string &what) {
        return display_width(line.substr(0, line.find(what)));
    };
    CHECK(column_of(text_of(lines[a]), "4242") == column_of(text_of(lines[b]), "4242"));
}

TEST_CASE("top view: without a UTF-8 terminal non-ASCII bytes appear as hex escapes")
{
    ListenerBoard board;
    board.apply(listener(4000, 1, "caf\xc3\xa9"));
    TopView view(false);
    view.update(board.snapshot());
    std::string all = screen_text(draw(view, 120, 24));
    INFO(all);
    CHECK(all.find("caf\\xc3\\xa9") != std::string::npos);
    for (unsigned char c : all)
        CHECK(c < 0x80);
}

TEST_CASE("top view: slash and a port filter the rows and Esc clears the filter")
{
    Utf8Locale utf8;
    ListenerBoard board;
    board.apply(listener(8080, 1, "web"));
    board.apply(listener(22, 2, "sshd"));
    TopView view;
    view.update(board.snapshot());
    CHECK(view.shown().listening.size() == 2);
    type(view, "/8080");
    REQUIRE(view.shown().listening.size() == 1);
    CHECK(view.shown().listening[0]->port == 8080);
    auto lines = draw(view);
    CHECK(line_with(lines, "filter: 8080") >= 0);
    CHECK(line_with(lines, "sshd") < 0);
    view.press(key::enter); // keeps the filter, leaves typing
    CHECK(view.shown().listening.size() == 1);
    view.press('q');        // a key again, not a filter character
    CHECK(view.quit());
}

TEST_CASE("top view: backspace and Esc while typing a filter")
{
    ListenerBoard board;
    board.apply(listener(8080, 1, "web"));
    board.apply(listener(22, 2, "sshd"));
    TopView view;
    view.update(board.snapshot());
    type(view, "/22x");
    CHECK(view.shown().listening.empty());
    view.press(key::backspace);
    CHECK(view.shown().listening.size() == 1);
    view.press(key::escape);
    CHECK(view.shown().listening.size() == 2);
    CHECK_FALSE(view.quit());
}

TEST_CASE("top view: s changes the order and the title says which")
{
    ListenerBoard board;
    board.apply(listener(22, 1, "zzz", "0.0.0.0"));
    board.apply(listener(80, 2, "aaa", "127.0.0.1"));
    TopView view;
    view.update(board.snapshot());
    CHECK(view.shown().listening[0]->port == 22);
    CHECK(line_with(draw(view), "sort: exposure, port") >= 0);
    while (line_with(draw(view), "sort: process") < 0)
        view.press('s');
    CHECK(view.shown().listening[0]->port == 80);
    view.press('S');
    CHECK(view.shown().listening[0]->port == 22);
    CHECK(line_with(draw(view), "(reversed)") >= 0);
}

TEST_CASE("top view: Enter shows the selected row's command line - ancestors - cgroup and cookie")
{
    Utf8Locale utf8;
    ListenerBoard board;
    Event e = listener(8080, 123456, "python3");
    auto process = std::make_shared<ProcessDetails>();
    process->args = {"python3", "-m", "http.server", "8080"};
    process->executable = "/usr/bin/python3.11";
    process->ancestors = {{100, "bash", "/usr/bin/bash"}, {1, "systemd", "/usr/lib/systemd/systemd"}};
    e.process = process;
    auto container = std::make_shared<ContainerDetails>();
    container->cgroup_path = "/user.slice/session-1.scope";
    e.container = container;
    board.apply(e);
    TopView view;
    view.update(board.snapshot());
    view.press(key::enter);
    std::string all = screen_text(draw(view));
    INFO(all);
    CHECK(all.find("python3 -m http.server 8080") != std::string::npos);
    CHECK(all.find("100 bash /usr/bin/bash") != std::string::npos);
    CHECK(all.find("/user.slice/session-1.scope") != std::string::npos);
    CHECK(all.find("123456") != std::string::npos);
    view.press(key::escape);
    CHECK(screen_text(draw(view)).find("LISTENING NOW") != std::string::npos);
}

TEST_CASE("top view: a long command line wraps under its value in the details")
{
    Utf8Locale utf8;
    ListenerBoard board;
    Event e = listener(8080, 1, "java");
    auto process = std::make_shared<ProcessDetails>();
    process->args = {"java"};
    for (int i = 0; i < 40; ++i)
        process->args.push_back("-Dprop" + std::to_string(i) + "=value");
    e.process = process;
    board.apply(e);
    TopView view;
    view.update(board.snapshot());
    view.press(key::enter);
    auto lines = draw(view);
    std::string all = screen_text(lines);
    CHECK(all.find("-Dprop0=value") != std::string::npos);
    CHECK(all.find("-Dprop20=value") != std::string::npos);
    for (const auto &l : lines)
        CHECK(display_width(text_of(l)) == 80);
}

TEST_CASE("top view: the selection stays on its row while others come")
{
    ListenerBoard board;
    board.apply(listener(3000, 1));
    board.apply(listener(4000, 2));
    TopView view;
    view.update(board.snapshot());
    view.press(key::down);
    board.apply(listener(1000, 3)); // sorts before both
    view.update(board.snapshot());
    view.press(key::enter);
    CHECK(screen_text(draw(view)).find("0.0.0.0:4000") != std::string::npos);
}

TEST_CASE("top view: p freezes the rows until pressed again")
{
    ListenerBoard board;
    board.apply(listener(3000, 1));
    TopView view;
    view.update(board.snapshot());
    view.press('p');
    CHECK(view.paused());
    CHECK(line_with(draw(view), "PAUSED") == 0);
    board.apply(listener(4000, 2));
    view.update(board.snapshot());
    CHECK(view.shown().listening.size() == 1);
    view.press('p');
    view.update(board.snapshot());
    CHECK(view.shown().listening.size() == 2);
}

TEST_CASE("top view: came and went shows lifetimes - short-lived marked - and failed binds")
{
    Utf8Locale utf8;
    ListenerBoard board;
    Event e = listener(7070, 1, "brief");
    board.apply(e);
    e.kind = EventKind::Close;
    e.wall_time_ns += 50'000'000;
    e.model.lifetime_ns = 50'000'000;
    e.model.lifetime_known = true;
    board.apply(e);
    Event failed = listener(80, 2, "second");
    failed.kind = EventKind::Bind;
    failed.model.error = EADDRINUSE;
    failed.holder_hint = "pid 1 (nginx)";
    board.apply(failed);
    TopView view;
    view.update(board.snapshot());
    auto lines = draw(view, 132, 24);
    INFO(screen_text(lines));
    int closed = line_with(lines, "lived 50.0ms short-lived");
    int bind = line_with(lines, "EADDRINUSE held by pid 1 (nginx)");
    CHECK(closed > 0);
    CHECK(bind > 0);
    CHECK(bind < closed); // newest first
    CHECK(lines[static_cast<std::size_t>(closed)].front().style == Style::ShortLived);
}

TEST_CASE("top view: non-zero drop counts are drawn as alerts and zero ones are not")
{
    TopView view;
    HeaderFacts facts;
    facts.ringbuf_drops = 17;
    auto lines = view.render(facts, 80, 24, 0);
    bool alert = false, zero_plain = false;
    for (const auto &s : lines[0]) {
        if (s.text == "17")
            alert = s.style == Style::Alert;
        if (s.text == "0")
            zero_plain = s.style == Style::Normal;
    }
    CHECK(alert);
    CHECK(zero_plain);
}

TEST_CASE("top view: with a policy forbidden rows are coloured and the header counts verdicts")
{
    ListenerBoard board;
    Event bad = listener(5432, 1, "postgres");
    bad.verdict = PolicyVerdict{"forbidden", "no-db", "critical"};
    board.apply(bad);
    Event odd = listener(4000, 2, "odd");
    odd.verdict = PolicyVerdict{"unexpected", "", "medium"};
    board.apply(odd);
    board.apply(listener(22, 3, "sshd")); // sorts first and holds the selection
    TopView view;
    view.update(board.snapshot());
    HeaderFacts facts;
    facts.policy = true;
    auto lines = view.render(facts, 100, 24, 0);
    CHECK(text_of(lines[1]).find("1 forbidden 1 unexpected") != std::string::npos);
    auto style_of_row = [&](std::string_view name) {
        int row = line_with(lines, name);
        REQUIRE(row > 0);
        return lines[static_cast<std::size_t>(row)].front().style;
    };
    CHECK(style_of_row("sshd") == Style::Selected);
    CHECK(style_of_row("postgres") == Style::Forbidden);
    CHECK(style_of_row("odd") == Style::Unexpected);
}

TEST_CASE("top view: a terminal too small says so instead of drawing garbage")
{
    TopView view;
    auto lines = view.render({}, 30, 5, 0);
    REQUIRE(lines.size() == 1);
    CHECK(text_of(lines[0]).find("too small") != std::string::npos);
}

TEST_CASE("top view: question mark shows the keys and any key goes back")
{
    TopView view;
    view.press('?');
    CHECK(screen_text(draw(view)).find("filter as you type") != std::string::npos);
    view.press('x');
    CHECK(screen_text(draw(view)).find("LISTENING NOW") != std::string::npos);
}

TEST_CASE("top view: durations read as a person would")
{
    CHECK(duration_text(50'000'000) == "50.0ms");
    CHECK(duration_text(999'000) == "999us");
    CHECK(duration_text(3'400'000'000ULL) == "3.4s");
    CHECK(duration_text(312ULL * second) == "5m12s");
    CHECK(duration_text(7380ULL * second) == "2h03m");
    CHECK(duration_text(3ULL * 86400 * second + 4 * 3600ULL * second) == "3d04h");
}

TEST_CASE("top view: wrap cuts by columns and never inside a character")
{
    Utf8Locale utf8;
    auto pieces = wrap("abcdef", 4);
    CHECK(pieces == std::vector<std::string>{"abcd", "ef"});
    auto wide = wrap("漢字漢", 3);
    CHECK(wide == std::vector<std::string>{"漢", "字", "漢"});
    CHECK(ascii_only("a\xc3\xa9") == "a\\xc3\\xa9");
}
