// Options every command shares that are about the agent, not the trace:
// --version, --config FILE and --host-root DIR.
#pragma once

#include <CLI/CLI.hpp>

namespace tl::cli {

inline constexpr const char *default_config_file = "/etc/trace-listen/trace-listen.conf";

// --config FILE (default /etc/trace-listen/trace-listen.conf, read when it
// exists): every long flag as `name = value` (TOML/INI, the flag's name without
// dashes; repeatable flags as arrays; a subcommand's flags under [snapshot],
// [record], ...).  Flags on the command line override the file.
void add_agent_options(CLI::App &app);

} // namespace tl::cli
