#include "output/host_metadata.hpp"

#include <sys/utsname.h>

#include <cstdlib>
#include <fstream>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "host_root.hpp"

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

// FNV-1a: unlike std::hash, the same on every build and library version.
std::uint64_t stable_hash(std::string_view text)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text)
        h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

AgentMetadata read_agent()
{
    AgentMetadata a;
    a.ephemeral_id = first_line("/proc/sys/kernel/random/uuid");
    // Stable across restarts but not the machine id itself (which some treat
    // as confidential): a hash of it, shaped as a UUID-like hex string.
    const std::string &machine = host_metadata().id;
    if (!machine.empty()) {
        std::uint64_t h1 = stable_hash(machine + "/trace-listen");
        std::uint64_t h2 = stable_hash("trace-listen/" + machine);
        a.id = fmt::format("{:016x}{:016x}", h1, h2);
    }
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
