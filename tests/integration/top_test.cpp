// trace-listen top in a real terminal: tmux runs it at a fixed size, the
// test types keys and reads the screen as a person would see it.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "support/skip.hpp"

#include "support/sockets.hpp"
#include "support/temp_dir.hpp"
#include "support/tmux_session.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;
using Clock = std::chrono::steady_clock;

namespace {

#define TL_REQUIRE_TMUX()                                                                      \
    do {                                                                                       \
        TL_REQUIRE_BPF();                                                                      \
        if (!::tl::test::tmux_available()) {                                                   \
            TL_SKIP("needs tmux (scripts/setup installs it)");                                 \
        }                                                                                      \
    } while (0)

// A listener in a child process with a name of our choosing: it listens when
// told to, says its port, and closes after `lifetime` or when told to.
class ChildListener {
public:
    ChildListener(const std::string &comm, const std::string &address,
                  std::chrono::milliseconds lifetime = std::chrono::milliseconds(-1))
    {
        // Close-on-exec: a tmux server started later must not keep the pipes
        // open, or the child would never see that it should close.
        int go[2], port[2];
        REQUIRE(pipe2(go, O_CLOEXEC) == 0);
        REQUIRE(pipe2(port, O_CLOEXEC) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(go[1]);
            ::close(port[0]);
            prctl(PR_SET_NAME, comm.c_str());
            char c;
            if (read(go[0], &c, 1) != 1)
                _exit(1);
            {
                Fd fd = tcp_listener(address, 0);
                std::uint16_t p = local_port(fd.get());
                if (write(port[1], &p, sizeof p) != sizeof p)
                    _exit(1);
                if (lifetime.count() >= 0)
                    std::this_thread::sleep_for(lifetime);
                else
                    while (read(go[0], &c, 1) > 0) {
                    }
            }
            while (read(go[0], &c, 1) > 0) {
            }
            _exit(0);
        }
        ::close(go[0]);
        ::close(port[1]);
        go_ = go[1];
        port_pipe_ = port[0];
    }
    ~ChildListener()
    {
        close();
        if (port_pipe_ >= 0)
            ::close(port_pipe_);
    }

    pid_t pid() const { return pid_; }
    // Listens now; returns the port.
    std::uint16_t listen()
    {
        REQUIRE(write(go_, "g", 1) == 1);
        REQUIRE(read(port_pipe_, &port_, sizeof port_) == sizeof port_);
        return port_;
    }
    std::uint16_t port() const { return port_; }
    // Closes the listener (if still open) and waits for the process to end.
    void close()
    {
        if (go_ < 0)
            return;
        ::close(go_);
        go_ = -1;
        int status = 0;
        waitpid(pid_, &status, 0);
    }

private:
    pid_t pid_ = -1;
    int go_ = -1;
    int port_pipe_ = -1;
    std::uint16_t port_ = 0;
};

std::vector<std::string> lines_of(const std::string &screen)
{
    std::vector<std::string> lines;
    std::istringstream in(screen);
    std::string l;
    while (std::getline(in, l))
        lines.push_back(l);
    return lines;
}

// The screen's lines between the "title" line and the next section title.
std::vector<std::string> section(const std::string &screen, const std::string &title)
{
    std::vector<std::string> out;
    bool inside = false;
    for (const auto &l : lines_of(screen)) {
        if (l.rfind("LISTENING NOW", 0) == 0 || l.rfind("CAME AND WENT", 0) == 0)
            inside = l.rfind(title, 0) == 0;
        else if (inside)
            out.push_back(l);
    }
    return out;
}

bool section_has(const std::string &screen, const std::string &title,
                 const std::vector<std::string> &words)
{
    for (const auto &l : section(screen, title)) {
        bool all = true;
        for (const auto &w : words)
            all = all && l.find(w) != std::string::npos;
        if (all)
            return true;
    }
    return false;
}

std::string top_command(const std::string &flags)
{
    return tracer_binary() + " top " + flags + "; echo EXIT=$?";
}

// Starts top in the terminal; returns once it has drawn its first screen.
void start_top(const TmuxSession &term, const std::string &flags)
{
    term.run(top_command(flags));
    std::string last;
    INFO("screen:\n" << last);
    bool drawn = term.wait_for_text("LISTENING NOW", std::chrono::seconds(30), &last);
    INFO("screen:\n" << last);
    REQUIRE(drawn);
}

// The screen redraws every second: a new row shows at the next redraw.  The
// bound leaves two more redraws for a loaded CI machine (tmux polling, other
// tests' floods); a row that never came fails the REQUIRE before it.
constexpr auto answer_bound = std::chrono::seconds(3);

} // namespace

TEST_CASE("top: a listener opened after start is listed at the next redraw and moves to came and went when it closes")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "a";
    ChildListener child(comm, "0.0.0.0");
    TmuxSession term(120, 30);
    start_top(term, "--no-snapshot --comm " + comm);

    auto opened = Clock::now();
    std::uint16_t port = child.listen();
    const std::string endpoint = "0.0.0.0:" + std::to_string(port);
    std::string last;
    bool listed = term.wait_for(
        [&](const std::string &s) {
            return section_has(s, "LISTENING NOW", {endpoint, comm, "all-interfaces"});
        },
        std::chrono::seconds(10), &last);
    auto took = Clock::now() - opened;
    INFO("screen:\n" << last);
    REQUIRE(listed);
    CHECK(took < answer_bound);
    // Its process id is on the row too.
    CHECK(section_has(last, "LISTENING NOW", {endpoint, std::to_string(child.pid())}));

    child.close();
    bool moved = term.wait_for(
        [&](const std::string &s) {
            return section_has(s, "CAME AND WENT", {"closed", endpoint, comm, "lived "}) &&
                   !section_has(s, "LISTENING NOW", {endpoint});
        },
        std::chrono::seconds(10), &last);
    INFO("screen:\n" << last);
    CHECK(moved);
    term.keys("q");
    CHECK(term.wait_for_text("EXIT=0", std::chrono::seconds(10)));
    INFO("after q:\n" << term.joined_screen());
    CHECK(term.joined_screen().find("socket-close=1") != std::string::npos);
}

TEST_CASE("top: a listener that lives 50 ms still appears in came and went")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "b";
    ChildListener child(comm, "127.0.0.1", std::chrono::milliseconds(50));
    TmuxSession term(120, 30);
    start_top(term, "--no-snapshot --comm " + comm);
    std::uint16_t port = child.listen();
    std::string last;
    bool seen = term.wait_for(
        [&](const std::string &s) {
            return section_has(s, "CAME AND WENT",
                               {"closed", "127.0.0.1:" + std::to_string(port), "short-lived"});
        },
        std::chrono::seconds(10), &last);
    INFO("screen:\n" << last);
    CHECK(seen);
    CHECK(std::regex_search(last, std::regex("lived [0-9.]+ms short-lived")));
    term.keys("q");
    CHECK(term.wait_for_text("EXIT=0", std::chrono::seconds(10)));
}

TEST_CASE("top: slash and a port filter the rows - s changes the order - Enter shows the command line")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "c";
    ChildListener a(comm, "127.0.0.1"), b(comm, "0.0.0.0");
    TmuxSession term(132, 40);
    start_top(term, "--no-snapshot --comm " + comm);
    const std::string ea = "127.0.0.1:" + std::to_string(a.listen());
    const std::string eb = "0.0.0.0:" + std::to_string(b.listen());
    std::string last;
    REQUIRE(term.wait_for(
        [&](const std::string &s) {
            return section_has(s, "LISTENING NOW", {ea}) && section_has(s, "LISTENING NOW", {eb});
        },
        std::chrono::seconds(10), &last));

    // Default order: all interfaces before loopback.
    auto row_of = [](const std::string &screen, const std::string &endpoint) {
        auto rows = section(screen, "LISTENING NOW");
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (rows[i].find(endpoint) != std::string::npos)
                return static_cast<int>(i);
        return -1;
    };
    CHECK(row_of(last, eb) < row_of(last, ea));

    // s until sorted by address: 0.0.0.0 < 127.0.0.1; then S reverses it.
    bool sorted = false;
    for (int i = 0; i < 12 && !sorted; ++i) {
        term.keys("s");
        sorted = term.wait_for_text("sort: address", std::chrono::milliseconds(500), &last);
    }
    REQUIRE(sorted);
    term.keys("S");
    REQUIRE(term.wait_for_text("(reversed)", std::chrono::seconds(2), &last));
    INFO("screen:\n" << last);
    CHECK(row_of(last, ea) < row_of(last, eb));

    // Filter by a's port as it is typed.
    const std::string port_a = std::to_string(a.port());
    term.keys("/");
    term.type(port_a);
    bool filtered = term.wait_for(
        [&](const std::string &s) {
            return s.find("filter: " + port_a) != std::string::npos &&
                   section_has(s, "LISTENING NOW", {ea}) && !section_has(s, "LISTENING NOW", {eb});
        },
        std::chrono::seconds(3), &last);
    INFO("screen:\n" << last);
    CHECK(filtered);

    // Enter keeps the filter; Enter again opens the (only) row's details.
    term.keys("Enter");
    term.keys("Enter");
    std::ifstream cmdline("/proc/" + std::to_string(a.pid()) + "/cmdline");
    std::string first_arg;
    std::getline(cmdline, first_arg, '\0');
    bool details = term.wait_for(
        [&](const std::string &s) {
            return s.find("DETAILS") != std::string::npos &&
                   s.find("Command line " + first_arg) != std::string::npos &&
                   s.find("Cookie") != std::string::npos && s.find("Cgroup") != std::string::npos;
        },
        std::chrono::seconds(3), &last);
    INFO("expected command line starting " << first_arg << "\nscreen:\n" << last);
    CHECK(details);
    CHECK(last.find(std::to_string(a.pid())) != std::string::npos);
    term.keys("Escape");
    CHECK(term.wait_for_text("LISTENING NOW", std::chrono::seconds(3)));
    term.keys("q");
    CHECK(term.wait_for_text("EXIT=0", std::chrono::seconds(10)));
}

TEST_CASE("top: resizing redraws without garbage")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "d";
    ChildListener child(comm, "0.0.0.0");
    TmuxSession term(80, 24);
    start_top(term, "--no-snapshot --comm " + comm);
    const std::string endpoint = "0.0.0.0:" + std::to_string(child.listen());
    REQUIRE(term.wait_for_text(endpoint, std::chrono::seconds(10)));

    // Each size: one header, one of each section, the keys on the last line,
    // nothing wider than the terminal, the row still there.
    auto clean = [&](const std::string &s, std::size_t width, std::size_t height) {
        auto lines = lines_of(s);
        auto count = [&](const std::string &what) {
            std::size_t n = 0;
            for (const auto &l : lines)
                n += l.find(what) != std::string::npos;
            return n;
        };
        bool narrow = std::all_of(lines.begin(), lines.end(),
                                  [&](const std::string &l) { return l.size() <= width; });
        return lines.size() == height && narrow && count("trace-listen top") == 1 &&
               count("LISTENING NOW") == 1 && count("CAME AND WENT") == 1 &&
               count("q quit") == 1 && lines.back().find("q quit") == 0 &&
               count(endpoint) == 1;
    };
    std::string last;
    for (auto [w, h] : {std::pair{150, 45}, std::pair{60, 16}, std::pair{80, 24}}) {
        term.resize(w, h);
        bool ok = term.wait_for([&](const std::string &s) { return clean(s, w, h); },
                                std::chrono::seconds(5), &last);
        INFO(w << "x" << h << " screen:\n" << last);
        CHECK(ok);
    }
    CHECK(last.find("COMMAND") == std::string::npos); // 80 columns have no room for it
    term.resize(150, 45);
    CHECK(term.wait_for_text("COMMAND", std::chrono::seconds(5)));
    term.keys("q");
    CHECK(term.wait_for_text("EXIT=0", std::chrono::seconds(10)));
}

TEST_CASE("top: q exits 0 and gives the shell back with nothing of the view left")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "e";
    ChildListener child(comm, "127.0.0.1");
    std::uint16_t port = child.listen(); // before start: from the snapshot
    TmuxSession term(80, 24);
    term.run("echo before-top");
    start_top(term, "--comm " + comm);
    std::string last;
    bool from_snapshot = term.wait_for(
        [&](const std::string &s) {
            return section_has(s, "LISTENING NOW", {"127.0.0.1:" + std::to_string(port), ">"});
        },
        std::chrono::seconds(10), &last);
    INFO("screen:\n" << last);
    CHECK(from_snapshot);

    term.keys("q");
    REQUIRE(term.wait_for_text("EXIT=0", std::chrono::seconds(10), &last));
    INFO("screen after q:\n" << last);
    CHECK(last.find("before-top") != std::string::npos); // the screen before, restored
    CHECK(last.find("LISTENING NOW") == std::string::npos);
    CHECK(last.find("CAME AND WENT") == std::string::npos);
    CHECK(last.find("trace-listen: info: events:") != std::string::npos);
    term.run("echo usable-$((40+2))");
    CHECK(term.wait_for_text("usable-42", std::chrono::seconds(5)));
}

TEST_CASE("top: Ctrl-C and SIGTERM give the terminal back too")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "f";
    TempDir dir;
    const std::string pid_file = (dir.path / "pid").string();
    TmuxSession term(80, 24);

    start_top(term, "--no-snapshot --comm " + comm);
    term.keys("C-c");
    std::string last;
    REQUIRE(term.wait_for_text("EXIT=0", std::chrono::seconds(10), &last));
    INFO("after Ctrl-C:\n" << last);
    CHECK(last.find("LISTENING NOW") == std::string::npos);

    term.run("clear");
    term.run("sh -c 'echo $$ > " + pid_file + "; exec " + tracer_binary() +
             " top --no-snapshot --comm " + comm + "'; echo EXIT=$?");
    REQUIRE(term.wait_for_text("LISTENING NOW", std::chrono::seconds(30), &last));
    std::ifstream in(pid_file);
    pid_t pid = 0;
    in >> pid;
    REQUIRE(pid > 0);
    REQUIRE(kill(pid, SIGTERM) == 0);
    REQUIRE(term.wait_for_text("EXIT=0", std::chrono::seconds(10), &last));
    INFO("after SIGTERM:\n" << last);
    CHECK(last.find("LISTENING NOW") == std::string::npos);
    term.run("echo usable-$((40+2))");
    CHECK(term.wait_for_text("usable-42", std::chrono::seconds(5)));
}

TEST_CASE("top: a process name with escape codes is shown escaped and the layout holds")
{
    TL_REQUIRE_TMUX();
    const std::string hostile = "\x1b[2J\x1b[31mevil\a";
    ChildListener child(hostile, "0.0.0.0");
    TmuxSession term(100, 24, "LANG=C.UTF-8");
    start_top(term, "--no-snapshot --pid " + std::to_string(child.pid()));
    const std::string endpoint = "0.0.0.0:" + std::to_string(child.listen());
    std::string last;
    bool shown = term.wait_for(
        [&](const std::string &s) {
            return section_has(s, "LISTENING NOW", {endpoint, "\\x1b[2J"});
        },
        std::chrono::seconds(10), &last);
    INFO("screen:\n" << last);
    CHECK(shown);
    auto lines = lines_of(last);
    REQUIRE(lines.size() == 24);
    CHECK(lines[0].rfind("trace-listen top", 0) == 0);
    CHECK(lines[2].rfind("LISTENING NOW", 0) == 0);
    CHECK(lines[3].rfind("PROTO", 0) == 0);
    CHECK(lines[4].rfind("tcp", 0) == 0); // the row starts where rows start
    CHECK(lines[23].rfind("q quit", 0) == 0);
    // The name did not change the terminal's colours: no red in the pane.
    CHECK(term.screen_with_attributes().find("\x1b[31mev") == std::string::npos);
    // The details show all of it, escaped the same way.
    term.keys("Enter");
    bool details = term.wait_for_text("\\x1b[2J\\x1b[31mevil\\x07 pid " + std::to_string(child.pid()),
                                      std::chrono::seconds(3), &last);
    INFO("details:\n" << last);
    CHECK(details);
    CHECK(lines_of(last).size() == 24);
    term.keys("q");
    CHECK(term.wait_for_text("EXIT=0", std::chrono::seconds(10)));
}

TEST_CASE("top: during a flood the keys are answered and the drop counter shows the losses")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "g";
    TmuxSession term(100, 24);
    // 4 KiB holds a handful of records: two bind loops overflow it.
    start_top(term, "--no-snapshot --ringbuf-size 4K --comm " + comm);

    std::vector<pid_t> loops;
    for (int i = 0; i < 2; ++i)
        loops.push_back(spawn([&] {
            prctl(PR_SET_NAME, comm.c_str());
            for (;;)
                Fd fd = tcp_listener("127.0.0.1", 0, 1);
            return 0;
        }));
    struct StopLoops {
        std::vector<pid_t> &pids;
        ~StopLoops()
        {
            for (pid_t p : pids) {
                kill(p, SIGKILL);
                waitpid(p, nullptr, 0);
            }
        }
    } stop_loops{loops};

    std::string last;
    std::smatch m;
    const std::regex drops("drops: ring-buffer ([0-9]+)");
    const std::regex rate("([0-9]+) events/s");
    bool lost = term.wait_for(
        [&](const std::string &s) {
            std::smatch r;
            return std::regex_search(s, m, drops) && std::stoull(m[1]) > 0 &&
                   std::regex_search(s, r, rate) && std::stoull(r[1]) > 0;
        },
        std::chrono::seconds(20), &last);
    INFO("screen:\n" << last);
    REQUIRE(lost);

    // While the loops still run: a key is answered promptly.
    for (const char *k : {"p", "p", "?", "x"}) {
        auto pressed = Clock::now();
        term.keys(k);
        bool answered = term.wait_for(
            [&](const std::string &s) {
                std::string first = lines_of(s).empty() ? "" : lines_of(s)[0];
                if (std::string(k) == "p")
                    return (first.find("PAUSED") != std::string::npos) ==
                           (last.find("PAUSED") == std::string::npos);
                if (std::string(k) == "?")
                    return s.find("filter as you type") != std::string::npos;
                return s.find("LISTENING NOW") != std::string::npos;
            },
            std::chrono::seconds(5), &last);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pressed);
        INFO("key " << k << " answered after " << took.count() << " ms; screen:\n" << last);
        CHECK(answered);
        CHECK(took < std::chrono::seconds(2)); // generous: this machine is shared and busy
    }
    // The non-zero drop count is drawn in red (unless NO_COLOR).
    std::string coloured = term.screen_with_attributes();
    INFO("with attributes:\n" << coloured);
    CHECK(std::regex_search(coloured, std::regex("ring-buffer (\x1b\\[[0-9;]*m)*\x1b\\[31m[1-9][0-9]*")));

    term.keys("q");
    REQUIRE(term.wait_for_text("EXIT=0", std::chrono::seconds(10), &last));
    // The exit summary counts them too (lines joined: it is wider than the terminal).
    last = term.joined_screen();
    std::regex summary("drops: ring-buffer=([0-9]+)");
    INFO("screen:\n" << last);
    REQUIRE(std::regex_search(last, m, summary));
    CHECK(std::stoull(m[1]) > 0);
}

TEST_CASE("top: NO_COLOR draws with attributes only and no colours")
{
    TL_REQUIRE_TMUX();
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "h";
    ChildListener child(comm, "0.0.0.0");
    TmuxSession term(100, 24, "NO_COLOR=1");
    start_top(term, "--no-snapshot --comm " + comm);
    const std::string endpoint = "0.0.0.0:" + std::to_string(child.listen());
    REQUIRE(term.wait_for_text(endpoint, std::chrono::seconds(10)));
    std::string coloured = term.screen_with_attributes();
    INFO(coloured);
    // SGR 30-37 and 38;... set a foreground colour; bold (1) and reverse (7) are fine.
    CHECK_FALSE(std::regex_search(coloured, std::regex("\x1b\\[([0-9;]*;)?3[0-8][;m]")));
    CHECK(coloured.find("\x1b[") != std::string::npos); // attributes are still drawn
    term.keys("q");
    CHECK(term.wait_for_text("EXIT=0", std::chrono::seconds(10)));
}

TEST_CASE("top: not a terminal - says so and exits 2 pointing at the table and JSON")
{
    TracerProcess top({"top", "--no-snapshot"}, false);
    CHECK(top.wait() == 2);
    INFO(top.err());
    CHECK(top.err().find("terminal") != std::string::npos);
    CHECK(top.err().find("-o json") != std::string::npos);
    CHECK(top.out().empty());
}

TEST_CASE("top: the screen cannot be a sink - --sink stdout is refused")
{
    TracerProcess top({"top", "--sink", "stdout:json"}, false);
    CHECK(top.wait() == 2);
    INFO(top.err());
    CHECK(top.err().find("--sink") != std::string::npos);
}

TEST_CASE("top: warnings while drawing go to the bottom line and are printed once the terminal is back")
{
    TL_REQUIRE_TMUX();
    // Nothing listens on port 1 of loopback: the syslog sink warns that it cannot deliver.
    const std::string comm = "tltop" + std::to_string(getpid() % 100000) + "i";
    ChildListener child(comm, "127.0.0.1");
    TmuxSession term(120, 24);
    start_top(term, "--no-snapshot --comm " + comm + " --sink syslog+tcp://127.0.0.1:1");
    child.listen(); // a record for the sink to send
    std::string last;
    bool noticed = term.wait_for(
        [](const std::string &s) {
            auto lines = lines_of(s);
            return !lines.empty() && lines.back().rfind("q quit", 0) == 0 &&
                   lines.back().find("warning: sink") != std::string::npos;
        },
        std::chrono::seconds(10), &last);
    INFO("screen:\n" << last);
    CHECK(noticed);
    // Nothing was written over the view.
    CHECK(lines_of(last).size() == 24);
    CHECK(lines_of(last)[0].rfind("trace-listen top", 0) == 0);

    term.keys("q");
    REQUIRE(term.wait_for_text("EXIT=0", std::chrono::seconds(15), &last));
    last = term.joined_screen();
    INFO("after q:\n" << last);
    CHECK(last.find("trace-listen: warning: sink") != std::string::npos);
    CHECK(last.find("LISTENING NOW") == std::string::npos);
}

TEST_CASE("top: a terminal curses cannot drive is an error that leaves the terminal alone")
{
    TL_REQUIRE_TMUX();
    TmuxSession term(80, 24);
    term.run("TERM=no-such-terminal " + top_command("--no-snapshot --comm tltop-none"));
    std::string last;
    bool exited = term.wait_for(
        [](const std::string &s) { return std::regex_search(s, std::regex("EXIT=[0-9]")); },
        std::chrono::seconds(30), &last);
    last = term.joined_screen();
    INFO("screen:\n" << last);
    REQUIRE(exited);
    CHECK(last.find("EXIT=2") != std::string::npos);
    CHECK(last.find("trace-listen: error: cannot use the terminal (TERM=no-such-terminal)") !=
          std::string::npos);
    term.run("echo usable-$((40+2))");
    CHECK(term.wait_for_text("usable-42", std::chrono::seconds(5)));
}

TEST_CASE("top: the terminal going away ends it - no tracer left running without a screen")
{
    TL_REQUIRE_TMUX();
    TempDir dir;
    const std::string pid_file = (dir.path / "pid").string();
    pid_t pid = 0;
    {
        TmuxSession term(80, 24);
        term.run("sh -c 'echo $$ > " + pid_file + "; exec " + tracer_binary() +
                 " top --no-snapshot --comm tltop-none'");
        std::string last;
        REQUIRE(term.wait_for_text("LISTENING NOW", std::chrono::seconds(30), &last));
        std::ifstream(pid_file) >> pid;
        REQUIRE(pid > 0);
    } // the tmux server is killed: the terminal hangs up
    auto deadline = Clock::now() + std::chrono::seconds(10);
    bool gone = false;
    while (!gone && Clock::now() < deadline) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string fields;
        std::getline(stat, fields);
        // Gone, or a zombie waiting for its parent (the shell, also gone).
        gone = fields.empty() || fields.find(") Z ") != std::string::npos;
        if (!gone)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!gone)
        kill(pid, SIGKILL); // do not leave it behind even when the test fails
    CHECK(gone);
}
