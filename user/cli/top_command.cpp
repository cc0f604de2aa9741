// trace-listen top: the live trace as a full-screen view for a person.
//
// Two threads.  The main thread runs the trace session (ring buffer ->
// decode -> enrich -> sinks); one of its sinks writes into the board, taking
// a lock only to insert a row.  The screen thread owns the terminal: it
// reads keys, and at most every 100 ms copies the board's row pointers and
// draws.  Drawing, a slow terminal or a person reading never holds up the
// ring-buffer consumer.
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <chrono>
#include <clocale>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/live_trace.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "sink/sink_factory.hpp"
#include "policy/policy_enricher.hpp"
#include "top/board_sink.hpp"
#include "top/curses_screen.hpp"
#include "util/text_escape.hpp"
#include "top/top_view.hpp"

namespace tl::cli {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto frame_interval = 100ms;   // draw at most this often
constexpr auto udp_check_interval = 2s;  // how often exited owners' UDP rows go

// Whatever goes to stderr while the screen is up (log lines, libbpf) would
// land on top of it: stderr points at a memory file meanwhile, the newest
// warning is shown on the screen's bottom line, and it all goes to the real
// stderr once the terminal is back.  Swapping the file descriptor, not the
// logger, keeps this safe against sink threads logging at the same moment.
class HeldStderr {
public:
    HeldStderr()
    {
        std::fflush(stderr);
        held_ = memfd_create("trace-listen-top-stderr", MFD_CLOEXEC);
        saved_ = dup(STDERR_FILENO);
        if (held_ < 0 || saved_ < 0 || dup2(held_, STDERR_FILENO) < 0)
            throw std::runtime_error(std::string("cannot hold stderr while drawing: ") +
                                     std::strerror(errno));
    }
    ~HeldStderr()
    {
        std::fflush(stderr);
        dup2(saved_, STDERR_FILENO);
        close(saved_);
        char buf[65536];
        ssize_t n;
        for (off_t at = 0; (n = pread(held_, buf, sizeof buf, at)) > 0; at += n)
            if (write(STDERR_FILENO, buf, static_cast<std::size_t>(n)) != n)
                break;
        close(held_);
    }
    HeldStderr(const HeldStderr &) = delete;
    HeldStderr &operator=(const HeldStderr &) = delete;

    // The newest warning or error line, without its colours, escaped.
    std::string last_warning() const
    {
        struct stat st {};
        if (fstat(held_, &st) != 0 || st.st_size == 0)
            return {};
        if (st.st_size == seen_size_)
            return notice_;
        seen_size_ = st.st_size;
        notice_ = newest_warning(st.st_size);
        return notice_;
    }

private:
    std::string newest_warning(off_t size) const
    {
        std::string tail(static_cast<std::size_t>(std::min<off_t>(size, 8192)), '\0');
        ssize_t n = pread(held_, tail.data(), tail.size(), size - static_cast<off_t>(tail.size()));
        tail.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        tail = std::regex_replace(tail, std::regex("\x1b\\[[0-9;]*m"), "");
        std::size_t end = tail.size();
        while (end > 0) {
            std::size_t begin = tail.rfind('\n', end - 1);
            begin = begin == std::string::npos ? 0 : begin + 1;
            std::string_view line(tail.data() + begin, end - begin);
            while (!line.empty() && line.back() == '\n')
                line.remove_suffix(1);
            if (line.find(": warning: ") != std::string_view::npos ||
                line.find(": error: ") != std::string_view::npos)
                return escape_for_terminal(line);
            if (begin == 0)
                break;
            end = begin - 1;
        }
        return {};
    }

    int held_ = -1;
    int saved_ = -1;
    mutable off_t seen_size_ = 0;
    mutable std::string notice_;
};

// A full-screen view has nothing to do once its terminal is gone (an ssh
// session closed, a tmux server killed): SIGHUP ends it, instead of asking
// the live trace to reopen its files.
std::atomic<bool> hung_up{false};
void on_hangup(int) { hung_up = true; }

void end_on_hangup()
{
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, nullptr);
}

std::int64_t wall_now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool process_alive(std::uint32_t pid)
{
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

struct ScreenInputs {
    top::CursesScreen &screen;
    top::SharedBoard &board;
    const TraceSession &session;
    const HeldStderr &logs;
    std::string hooks;
    bool policy = false;
};

// The screen thread: keys and frames until q, a signal, or the session ends.
void screen_loop(ScreenInputs in, std::atomic<bool> &stop, const std::atomic<bool> &signalled)
{
    top::TopView view(in.screen.utf8());
    top::HeaderFacts facts;
    facts.hooks = in.hooks;
    facts.policy = in.policy;
    auto last_frame = Clock::now() - frame_interval;
    auto last_udp_check = Clock::now();
    auto rate_since = Clock::now();
    std::uint64_t rate_events = 0;
    while (!stop.load()) {
        if (signalled.load() || hung_up.load()) {
            stop = true;
            break;
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            last_frame + frame_interval - Clock::now());
        int k = in.screen.read_key(static_cast<int>(std::clamp<long>(wait.count(), 1, 100)));
        while (k != top::CursesScreen::no_key) {
            if (k != top::CursesScreen::resized)
                view.press(k);
            if (view.quit()) {
                stop = true;
                return;
            }
            k = in.screen.read_key(0);
        }
        auto now = Clock::now();
        if (now - last_frame < frame_interval)
            continue;
        last_frame = now;
        if (now - last_udp_check >= udp_check_interval) {
            in.board.forget_exited_udp(process_alive);
            last_udp_check = now;
        }
        top::BoardView all = in.board.snapshot();
        if (now - rate_since >= 1s) {
            std::chrono::duration<double> span = now - rate_since;
            facts.events_per_second = static_cast<double>(all.events - rate_events) / span.count();
            rate_events = all.events;
            rate_since = now;
        }
        view.update(std::move(all));
        SessionCounters counters = in.session.counters();
        facts.ringbuf_drops = counters.summary.ringbuf_drops;
        facts.sink_drops = counters.summary.sink_drops;
        facts.notice = in.logs.last_warning();
        in.screen.draw(view.render(facts, in.screen.width(), in.screen.height(), wall_now_ns()));
    }
}

std::string hooks_in_use(const TraceSession &session)
{
    std::string text = session.hooks().describe();
    return text.substr(0, text.find(';')); // what is blind is in the start-up log
}

int run_top(const TraceFlags &flags)
{
    top::SharedBoard board;
    LiveTraceSetup setup;
    setup.options = to_session_options(flags); // bad flags first: exit 2 says which
    for (const auto &spec : flags.sinks)
        if (parse_sink_spec(spec).type == "stdout")
            throw CLI::ValidationError("--sink", "top draws on stdout; send records to a file "
                                                 "or syslog sink instead of '" + spec + "'");
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        spdlog::error("top draws on a terminal, and {} is not one; for a pipe or a file use the "
                      "table (trace-listen, trace-listen snapshot) or JSON (trace-listen -o json, "
                      "trace-listen snapshot -o json)",
                      isatty(STDOUT_FILENO) ? "stdin" : "stdout");
        return exit_usage;
    }
    std::setlocale(LC_ALL, ""); // ncurses draws UTF-8 only in a UTF-8 locale
    if (!flags.sinks.empty())
        setup.sinks = make_sinks(flags.sinks, "ecs");
    setup.sinks.insert(setup.sinks.begin(), std::make_unique<top::BoardSink>(board));
    if (!flags.policy_file.empty())
        setup.policy = make_policy_enricher(flags.policy_file, false);
    setup.ancestor_depth = flags.ancestor_depth;
    setup.snapshot = !flags.no_snapshot;
    auto session = start_live_trace(std::move(setup));
    if (!session)
        return exit_failure;

    SessionControl signals = install_signal_handlers();
    end_on_hangup();
    std::atomic<bool> stop{false};
    std::atomic<bool> no_reload{false};
    SessionControl control{stop, no_reload};
    std::string screen_error;
    SessionSummary summary;
    {
        HeldStderr logs;
        std::unique_ptr<top::CursesScreen> screen;
        try {
            screen = std::make_unique<top::CursesScreen>();
        } catch (const std::exception &e) {
            spdlog::error("{}", e.what());
            return exit_usage;
        }
        std::thread screen_thread([&] {
            try {
                screen_loop({*screen, board, *session, logs, hooks_in_use(*session),
                             !flags.policy_file.empty()},
                            stop, signals.stop);
            } catch (const std::exception &e) {
                screen_error = e.what();
            }
            stop = true;
        });
        try {
            summary = session->run(control);
        } catch (...) {
            stop = true;
            screen_thread.join();
            throw; // the screen, then the held logs, are given back on the way out
        }
        stop = true;
        screen_thread.join();
    }
    if (!screen_error.empty()) {
        spdlog::error("the screen failed: {}", screen_error);
        return exit_failure;
    }
    spdlog::info("{}", summary.line());
    return exit_ok;
}

} // namespace

void add_top_command(CLI::App &app, CommandAction &action)
{
    static TraceFlags flags;
    CLI::App *cmd = app.add_subcommand(
        "top", "Full-screen live view: what listens now (snapshot and live) and what came and "
               "went, with the live trace's filters. Keys: q quit, p pause, / filter, s sort, "
               "Enter details, ? help");
    add_trace_flags(*cmd, flags);
    // What has no meaning on a screen that always shows binds, listens and closes.
    for (const char *name : {"--output", "--count", "--events", "--alerts-only", "--metrics-addr"})
        cmd->remove_option(cmd->get_option(name));
    cmd->callback([&action] { action = [] { return run_top(flags); }; });
}

} // namespace tl::cli
