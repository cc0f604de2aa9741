#include "cli/commands.hpp"

namespace tl::cli {

void add_policy_commands(CLI::App &, CommandAction &)
{
    // TODO: not implemented yet
}

} // namespace tl::cli
