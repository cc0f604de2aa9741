// trace-listen top: the live trace as a full-screen view for a person.
//
// Two threads.  The main thread runs the trace session (ring buffer ->
// decode -> enrich -> sinks); one of its sinks writes into the board, taking
// a lock only to insert a row.  The screen thread owns the terminal: it
// reads keys, and at most every 100 ms copies the board's row pointers and
// draws.  Drawing, a slow terminal or a person reading never holds up the
// ring-buffer consumer.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <clocale>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/live_trace.hpp"
#include "cli/signals.hpp"
#include "cli/trace_options.hpp"
#include "output/sink_factory.hpp"
#include "policy/policy_enricher.hpp"
#include "top/board_sink.hpp"
#include "top/curses_screen.hpp"
#include "top/top_view.hpp"

namespace tl::cli {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto frame_interval = 100ms;   // draw at most this often
constexpr auto udp_check_interval = 2s;  // how often exited owners' UDP rows go

// Log lines written while the screen is up would land on top of it: they
// are held, the last warning is shown on the screen, and all are printed
// once the terminal is back.
class HeldLogs {
public:
    HeldLogs()
        : held_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)),
          saved_(spdlog::default_logger())
    {
        auto logger = std::make_shared<spdlog::logger>("trace-listen-top", held_);
        logger->set_pattern("trace-listen: %l: %v");
        logger->set_level(saved_->level());
        spdlog::set_default_logger(std::move(logger));
    }
    ~HeldLogs()
    {
        spdlog::set_default_logger(saved_);
        for (const auto &line : held_->last_formatted())
            std::fputs(line.c_str(), stderr);
    }
    HeldLogs(const HeldLogs &) = delete;
    HeldLogs &operator=(const HeldLogs &) = delete;

    // The newest warning or error, for the screen's bottom line.
    std::string last_warning() const
    {
        auto raw = held_->last_raw();
        for (auto it = raw.rbegin(); it != raw.rend(); ++it)
            if (it->level >= spdlog::level::warn)
                return std::string(it->payload.data(), it->payload.size());
        return {};
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> held_;
    std::shared_ptr<spdlog::logger> saved_;
};

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
    const HeldLogs &logs;
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
        if (signalled.load()) {
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
    std::atomic<bool> stop{false};
    SessionControl control{stop, signals.reload};
    std::string screen_error;
    SessionSummary summary;
    {
        HeldLogs logs;
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
