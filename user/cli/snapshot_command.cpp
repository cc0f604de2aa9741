#include "cli/commands.hpp"

namespace tl::cli {

void add_snapshot_command(CLI::App &, CommandAction &)
{
    // TODO: not implemented yet
}

} // namespace tl::cli
