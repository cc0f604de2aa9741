#include "host/host_metadata.hpp"

#include <sys/utsname.h>

#include <cstdlib>
#include <fstream>

#include "host/host_root.hpp"

namespace tl {

namespace {

std::string first_line(const std::string &path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// One KEY=value (optionally quoted) from /etc/os-release.
std::string os_release_value(const std::string &key)
{
    std::ifstream in(host_path("/etc/os-release"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + "=", 0) != 0)
            continue;
        std::string value = line.substr(key.size() + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\''))
            value = value.substr(1, value.size() - 2);
        return value;
    }
    return {};
}

HostMetadata read_host()
{
    HostMetadata h;
    struct utsname u {};
    if (uname(&u) == 0) {
        h.hostname = u.nodename;
        h.architecture = u.machine;
        h.kernel = u.release;
    }
    // In a pod, uname names the pod (or, with hostNetwork, the node as the
    // kernel knows it); Kubernetes passes the node's name in NODE_NAME.
    if (const char *node = std::getenv("NODE_NAME"); node && *node)
        h.hostname = node;
    h.id = first_line(host_path("/etc/machine-id"));
    h.boot_id = first_line("/proc/sys/kernel/random/boot_id");
    h.os_name = os_release_value("NAME");
    h.os_version = os_release_value("VERSION_ID");
    h.os_family = os_release_value("ID");
    return h;
}

AgentMetadata read_agent()
{
    AgentMetadata a;
    a.ephemeral_id = first_line("/proc/sys/kernel/random/uuid");
    // One rule for the machine id: sent as it is, as journald's _MACHINE_ID and
    // Beats' host.id are; hashing it here would hide nothing host.id shows.
    // One agent per host, so the host's id is the agent's; ephemeral_id tells
    // runs apart.
    a.id = host_metadata().id;
    return a;
}

} // namespace

const HostMetadata &host_metadata()
{
    static const HostMetadata host = read_host();
    return host;
}

const AgentMetadata &agent_metadata()
{
    static const AgentMetadata agent = read_agent();
    return agent;
}

} // namespace tl
