#include "cli/common_flags.hpp"

#include <unistd.h>

#include <cstdlib>
#include <functional>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"

namespace tl::cli {

namespace {

struct CommonFlags {
    std::string log_level = "info";
    bool quiet = false;
    std::string color = "auto";
};

CommonFlags &common()
{
    static CommonFlags flags;
    return flags;
}

void add_to(CLI::App &app)
{
    CommonFlags &f = common();
    app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error (default info)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
        ->group("Common");
    app.add_flag("-q,--quiet", f.quiet, "Only warnings and errors on stderr")->group("Common");
    app.add_option("--color", f.color,
                   "Colours in the table: auto (on a terminal, unless NO_COLOR is set), always, "
                   "never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->group("Common");
    for (CLI::App *sub : app.get_subcommands({}))
        add_to(*sub);
}

} // namespace

void add_common_flags(CLI::App &app) { add_to(app); }

void apply_log_level()
{
    const CommonFlags &f = common();
    auto level = spdlog::level::from_str(f.log_level);
    if (f.quiet && level < spdlog::level::warn)
        level = spdlog::level::warn;
    spdlog::set_level(level);
}

TableStyle stdout_table_style(bool dates)
{
    TableStyle style;
    style.dates = dates;
    const std::string &color = common().color;
    if (color == "always") {
        style.color = true;
    } else if (color == "auto") {
        // https://no-color.org: set and not empty turns colours off.
        const char *no_color = std::getenv("NO_COLOR");
        const char *term = std::getenv("TERM");
        style.color = isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
                      !(term && std::string(term) == "dumb");
    }
    return style;
}

std::string failure_message(const CLI::App *, const CLI::Error &error)
{
    return "trace-listen: error: " + std::string(error.what()) +
           "\nRun with --help for more information.\n";
}

std::string help_footer()
{
    return R"(
Examples:
  trace-listen                                   live table until Ctrl-C
  trace-listen --port ssh --port 80,443 -4       only these ports, IPv4
  trace-listen -o json --duration 60 > events.json
  trace-listen --sink stdout:table --sink file:/var/log/trace-listen.json:ecs,max-size=100M
  trace-listen snapshot -o ocsf                  what listens now, then exit
  trace-listen record -w /var/lib/trace-listen/rec.tlr --rotate-size 64M
  trace-listen replay /var/lib/trace-listen/rec.tlr --since 2026-01-01T00:00:00Z
  trace-listen baseline save policy.yaml && trace-listen check --policy policy.yaml

Exit codes:
  all commands   2  bad flags, values or files (the message names the flag)
  trace, record  0  stopped (Ctrl-C, SIGTERM, --duration, --count), nothing lost
                 1  could not trace (privileges, kernel) or record not written
                 3  events were lost (ring buffer, kernel maps or sink); --allow-loss makes it 0
  snapshot       0  printed    1  could not read
  replay         0  all read   1  damaged stretches (the rest is shown)
  check          0  compliant  1  findings, or events lost during --watch
                 2  also: the view was incomplete (says what could not be seen and the
                    capability that would fix it)
  baseline save  0  written    1  could not write
)";
}

} // namespace tl::cli
