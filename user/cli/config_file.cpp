#include "cli/config_file.hpp"

#include "build_info.hpp"
#include "host_root.hpp"

namespace tl::cli {

void add_agent_options(CLI::App &app)
{
    app.set_version_flag("--version", [] { return version_report(); },
                         "Print the version, git revision, libbpf version, kernel BTF and the "
                         "hooks this kernel offers, then exit");
    app.set_config("--config", default_config_file,
                   "Read flags from this file (TOML: name = value, e.g. sink = "
                   "[\"file:/var/log/trace-listen/events.json\"]); flags given on the command "
                   "line override it. Default: /etc/trace-listen/trace-listen.conf if it exists")
        ->envname("TRACE_LISTEN_CONFIG");
    app.add_option_function<std::string>(
           "--host-root", [](const std::string &root) { set_host_root(root); },
           "The host's / as mounted in a container (e.g. /host): host.id, host.os and user "
           "names are read from there")
        ->check(CLI::ExistingDirectory);
}

} // namespace tl::cli
