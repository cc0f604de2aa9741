// trace-listen: wires the command line to the core.
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/trace_options.hpp"
#include "output/record_format.hpp"
#include "privileges.hpp"
#include "trace_session.hpp"

namespace {

std::atomic<bool> stop_requested{false};

void on_stop_signal(int) { stop_requested = true; }

void install_signal_handlers()
{
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

int run_trace(const tl::cli::TraceFlags &flags)
{
    if (auto missing = tl::missing_bpf_privileges(); !missing.empty()) {
        spdlog::error("cannot trace: {}", missing);
        return 1;
    }
    tl::SessionOptions options = tl::cli::to_session_options(flags);
    std::vector<std::unique_ptr<tl::RecordSink>> sinks;
    sinks.push_back(std::make_unique<tl::StreamSink>(
        STDOUT_FILENO, tl::make_record_format(flags.output), "stdout"));
    tl::TraceSession session(std::move(options), std::move(sinks));
    try {
        session.start();
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    spdlog::info("{}", session.hooks().describe());
    spdlog::info("tracing; Ctrl-C to stop");
    tl::SessionSummary summary = session.run(stop_requested);
    spdlog::info("{}", summary.line());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    auto logger = spdlog::stderr_color_mt("trace-listen");
    logger->set_pattern("trace-listen: %l: %v");
    spdlog::set_default_logger(logger);

    CLI::App app{"trace-listen: see every socket bind, listen and listener close, live"};
    app.set_version_flag("--version", std::string(TRACE_LISTEN_VERSION));
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    tl::cli::TraceFlags trace_flags;
    tl::cli::add_trace_flags(app, trace_flags);

    try {
        app.parse(argc, argv);
        spdlog::set_level(spdlog::level::from_str(log_level));
        install_signal_handlers();
        return run_trace(trace_flags);
    } catch (const CLI::Success &e) {
        return app.exit(e);
    } catch (const CLI::Error &e) {
        app.exit(e);
        return 2;
    } catch (const std::invalid_argument &e) {
        spdlog::error("{}", e.what());
        return 2;
    }
}
