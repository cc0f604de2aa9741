// trace-listen: wires the command line to the core.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/common_flags.hpp"
#include "cli/config_file.hpp"

int main(int argc, char **argv)
{
    auto logger = spdlog::stderr_color_mt("trace-listen");
    logger->set_pattern("trace-listen: %l: %v");
    spdlog::set_default_logger(logger);

    CLI::App app{"trace-listen: see every socket bind, listen and listener close, live"};
    tl::cli::add_agent_options(app); // --version, --config: before the subcommands
    app.failure_message(tl::cli::failure_message);
    app.footer(tl::cli::help_footer());

    tl::cli::CommandAction action;
    tl::cli::add_trace_command(app, action);
    tl::cli::add_snapshot_command(app, action);
    tl::cli::add_record_commands(app, action);
    tl::cli::add_policy_commands(app, action);
    tl::cli::add_top_command(app, action);
    tl::cli::add_common_flags(app); // last: onto every subcommand too

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success &e) {
        return app.exit(e);
    } catch (const CLI::Error &e) {
        app.exit(e);
        return tl::cli::exit_usage;
    }
    tl::cli::apply_log_level();
    try {
        return action();
    } catch (const CLI::Error &e) {
        spdlog::error("{}", e.what());
        return tl::cli::exit_usage;
    } catch (const std::invalid_argument &e) {
        spdlog::error("{}", e.what());
        return tl::cli::exit_usage;
    } catch (const std::exception &e) {
        spdlog::error("{}", e.what());
        return tl::cli::exit_failure;
    }
}
