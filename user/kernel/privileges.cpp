#include "kernel/privileges.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tl {

namespace {
constexpr int cap_perfmon = 38;
constexpr int cap_bpf = 39;

unsigned long long effective_capabilities()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("CapEff:", 0) == 0)
            return std::stoull(line.substr(7), nullptr, 16);
    return 0;
}
} // namespace

bool has_effective_capability(int cap) { return (effective_capabilities() >> cap) & 1ULL; }

std::string missing_bpf_privileges()
{
    unsigned long long caps = effective_capabilities();
    auto has = [&](int cap) { return (caps >> cap) & 1ULL; };
    if (has(cap_sys_admin) || (has(cap_bpf) && has(cap_perfmon)))
        return {};
    std::vector<std::string> missing;
    if (!has(cap_bpf))
        missing.emplace_back("CAP_BPF");
    if (!has(cap_perfmon))
        missing.emplace_back("CAP_PERFMON");
    std::string names;
    for (auto &m : missing)
        names += (names.empty() ? "" : " and ") + m;
    return "missing " + names +
           " (or CAP_SYS_ADMIN): run as root (sudo trace-listen) or grant them with "
           "setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin+ep";
}

} // namespace tl
