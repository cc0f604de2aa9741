#include "cli/config_file.hpp"

#include <cstdlib>

#include "cli/build_info.hpp"
#include "host/host_root.hpp"

namespace tl::cli {

void add_agent_options(CLI::App &app)
{
    app.set_version_flag("--version", [] { return version_report(); },
                         "Print the version, git revision, libbpf version, kernel BTF and the "
                         "hooks this kernel offers, then exit");
    // CLI11 reads the config file before the environment: take the variable
    // here, as the default, so the command line still overrides it.
    const char *from_env = std::getenv("TRACE_LISTEN_CONFIG");
    app.set_config("--config", from_env && *from_env ? from_env : default_config_file,
                   "Read flags from this file (TOML: name = value, e.g. sink = "
                   "[\"file:/var/log/trace-listen/events.json\"]); flags given on the command "
                   "line override it. Default: $TRACE_LISTEN_CONFIG, or "
                   "/etc/trace-listen/trace-listen.conf if it exists");
    // A misspelt name in the file is an error, as it is on the command line.
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.add_option_function<std::string>(
           "--host-root", [](const std::string &root) { set_host_root(root); },
           "The host's / as mounted in a container (e.g. /host): host.id, host.os and user "
           "names are read from there")
        ->check(CLI::ExistingDirectory);
}

} // namespace tl::cli
