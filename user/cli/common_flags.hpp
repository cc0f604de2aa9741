// Flags every command takes, before or after its name: --log-level, -q,
// --color.  Also the --help text's examples and exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include "pipeline/line_format.hpp"

namespace tl::cli {

// Adds the common flags to `app` and every subcommand under it.
void add_common_flags(CLI::App &app);
// After parsing: sets spdlog's level (-q: warnings and errors only).
void apply_log_level();
// The table on stdout: colours per --color, NO_COLOR and whether stdout is a
// terminal; `dates` for records from other days (replay).
TableStyle stdout_table_style(bool dates);

// "trace-listen: error: ..." for CLI11's parse errors.
std::string failure_message(const CLI::App *app, const CLI::Error &error);

// Appended to --help: examples and every command's exit codes.
std::string help_footer();

} // namespace tl::cli
