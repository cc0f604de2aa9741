// The command line: one file per command.  Each add_* registers its
// (sub)command on the app and, when that command is chosen, sets `action`.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace tl::cli {

using CommandAction = std::function<int()>;

void add_trace_command(CLI::App &app, CommandAction &action);    // trace-listen [options]
void add_snapshot_command(CLI::App &app, CommandAction &action); // trace-listen snapshot
void add_record_commands(CLI::App &app, CommandAction &action);  // record, replay
void add_policy_commands(CLI::App &app, CommandAction &action);  // baseline save, check
void add_top_command(CLI::App &app, CommandAction &action);      // trace-listen top

// Exit codes shared by every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1; // could not trace (privileges, kernel), or findings
inline constexpr int exit_usage = 2;   // bad flags, values or files
inline constexpr int exit_lost = 3;    // the trace ran but lost events (ring buffer or sink),
                                       // unless --allow-loss

} // namespace tl::cli
