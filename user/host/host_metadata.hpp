// Who reports: the host and this agent, read once at start.  Every format
// names the source the same way (ECS host.*/agent.*, OCSF device/metadata,
// syslog HOSTNAME).
#pragma once

#include <string>

namespace tl {

struct HostMetadata {
    std::string hostname;     // uname nodename
    std::string id;           // /etc/machine-id as it is (not hashed), empty when absent
    std::string boot_id;      // /proc/sys/kernel/random/boot_id: tells reboots apart
    std::string architecture; // uname machine
    std::string kernel;       // uname release
    std::string os_name;      // /etc/os-release NAME
    std::string os_version;   // /etc/os-release VERSION_ID
    std::string os_family;    // /etc/os-release ID (debian, ubuntu, ...)
};

struct AgentMetadata {
    std::string name = "trace-listen";
    std::string type = "trace-listen";
    std::string version = TRACE_LISTEN_VERSION;
    std::string ephemeral_id; // new on every start: tells restarts apart
    std::string id;           // the machine id, as host.id: one agent per host
};

// Read on first use, then constant for the life of the process.
const HostMetadata &host_metadata();
const AgentMetadata &agent_metadata();

} // namespace tl
