// trace-listen snapshot [filters] [-o table|json]: what listens (TCP) or is
// bound (UDP) right now in every network namespace, with its processes and
// containers - an annotated `ss -ltnup` for the whole host - then exit.
#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/common_flags.hpp"
#include "cli/live_trace.hpp"
#include "cli/trace_options.hpp"
#include "pipeline/line_format.hpp"

namespace tl::cli {

namespace {

struct SnapshotFlags {
    FilterFlags filter;
    std::string output = "table";
    unsigned ancestor_depth = 4;
};

void write_all(const std::string &text)
{
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size())
        throw std::runtime_error("cannot write to stdout");
}

int run_snapshot(const SnapshotFlags &flags)
{
    EventFilter filter = to_event_filter(flags.filter); // throws CLI::ValidationError
    auto format = make_line_format(flags.output, stdout_table_style(false));
    if (geteuid() != 0)
        spdlog::warn("not root: other network namespaces and other users' processes cannot be "
                     "read, so the snapshot is incomplete");

    std::vector<Event> events = attributed_snapshot(filter, flags.ancestor_depth);
    write_all(format->header());
    std::uint64_t sequence = 0;
    for (auto &event : events) {
        event.sequence = ++sequence;
        write_all(format->event(event));
    }
    std::fflush(stdout);
    return exit_ok;
}

} // namespace

void add_snapshot_command(CLI::App &app, CommandAction &action)
{
    static SnapshotFlags flags;
    CLI::App *cmd = app.add_subcommand(
        "snapshot", "Print every socket that listens (TCP) or is bound (UDP) now, in every "
                    "network namespace, with its processes and containers, then exit");
    add_filter_flags(*cmd, flags.filter);
    cmd->add_option("-o,--output", flags.output, "Output format: table, json (= ecs) or ocsf")
        ->check(CLI::IsMember(line_format_names()));
    cmd->add_option("--ancestors", flags.ancestor_depth, "Ancestor chain depth (default 4)")
        ->check(CLI::Range(0, 64));
    cmd->callback([&action] { action = [] { return run_snapshot(flags); }; });
}

} // namespace tl::cli
