#include "policy/policy.hpp"

#include <fnmatch.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "pipeline/event_text.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

// The attribution stage names containers; when it did not (host without
// /proc access, or not run), a runtime's cgroup leaf still carries the id:
// docker-<64 hex>.scope, libpod-<64 hex>, cri-containerd-<64 hex>.scope.
std::string container_id_from_cgroup(const std::string &leaf)
{
    std::size_t run = 0;
    for (std::size_t i = 0; i <= leaf.size(); ++i) {
        if (i < leaf.size() && std::isxdigit(static_cast<unsigned char>(leaf[i]))) {
            ++run;
            continue;
        }
        if (run == 64)
            return leaf.substr(i - 64, 64);
        run = 0;
    }
    return {};
}

bool glob_matches(const std::string &pattern, const std::string &text)
{
    return !text.empty() && fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool has_glob(const std::string &pattern)
{
    return pattern.find_first_of("*?[") != std::string::npos;
}

std::string basename_of(const std::string &path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

template <typename T, typename Pred> bool any_or_unset(const std::vector<T> &values, Pred pred)
{
    return values.empty() || std::any_of(values.begin(), values.end(), pred);
}

} // namespace

ListenerFacts ListenerFacts::of(const Event &event)
{
    const SocketModel &s = model_of(event).socket;
    const TaskModel &t = event.model.task;
    ListenerFacts f;
    f.protocol = std::string(s.transport);
    f.family = s.local.family;
    std::copy(std::begin(s.local.bytes), std::end(s.local.bytes), f.addr);
    f.port = s.port;
    f.exposure = s.exposure;
    f.dual_stack = s.dual_stack;
    f.comm = std::string(c_field(t.comm, sizeof t.comm));
    f.executable = process_executable(event);
    f.uid = t.uid;
    if (event.process)
        f.user_name = event.process->user_name;
    f.cgroup_name = std::string(c_field(t.cgroup_name, sizeof t.cgroup_name));
    if (event.container && !event.container->id.empty())
        f.container_id = event.container->id;
    else
        f.container_id = container_id_from_cgroup(f.cgroup_name);
    f.netns = s.netns;
    f.has_process = t.pid != 0;
    return f;
}

bool ListenerFacts::accepts_ipv4() const
{
    if (family == AF_INET || dual_stack)
        return true;
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is IPv4 traffic.
    return family == AF_INET6 && std::all_of(addr, addr + 10, [](auto b) { return b == 0; }) &&
           addr[10] == 0xff && addr[11] == 0xff;
}

bool ListenerFacts::accepts_ipv6() const { return family == AF_INET6; }

bool Matcher::empty() const
{
    return protocols.empty() && families.empty() && ports.empty() && exposures.empty() &&
           addresses.empty() && processes.empty() && uids.empty() && user_names.empty() &&
           containers.empty() && netns.empty() && owner == Owner::Any;
}

bool Matcher::matches(const ListenerFacts &f) const
{
    static const std::uint8_t ipv4_any[16] = {};
    return any_or_unset(protocols, [&](const std::string &p) { return p == f.protocol; }) &&
           any_or_unset(families,
                        [&](std::uint16_t fam) {
                            return fam == AF_INET ? f.accepts_ipv4() : f.accepts_ipv6();
                        }) &&
           any_or_unset(ports,
                        [&](const PortRange &r) { return f.port >= r.first && f.port <= r.last; }) &&
           any_or_unset(exposures, [&](Exposure e) { return e == f.exposure; }) &&
           any_or_unset(addresses,
                        [&](const AddressRange &r) {
                            // A dual-stack :: is bound to 0.0.0.0 as well.
                            return r.contains(f.family, f.addr) ||
                                   (f.dual_stack && r.contains(AF_INET, ipv4_any));
                        }) &&
           any_or_unset(processes,
                        [&](const std::string &p) {
                            return glob_matches(p, f.comm) || glob_matches(p, f.executable) ||
                                   glob_matches(p, basename_of(f.executable));
                        }) &&
           ((uids.empty() && user_names.empty()) ||
            std::find(uids.begin(), uids.end(), f.uid) != uids.end() ||
            (!f.user_name.empty() &&
             std::find(user_names.begin(), user_names.end(), f.user_name) != user_names.end())) &&
           any_or_unset(containers,
                        [&](const std::string &c) {
                            if (!has_glob(c) && !f.container_id.empty() &&
                                f.container_id.starts_with(c))
                                return true;
                            return glob_matches(c, f.container_id) ||
                                   glob_matches(c, f.cgroup_name);
                        }) &&
           any_or_unset(netns, [&](std::uint32_t n) { return n == f.netns; }) &&
           (owner == Owner::Any || (owner == Owner::Process) == f.has_process);
}

bool Rule::matches(const ListenerFacts &facts) const
{
    if (!match.matches(facts))
        return false;
    return std::none_of(except.begin(), except.end(),
                        [&](const Matcher &m) { return m.matches(facts); });
}

PolicyVerdict Policy::judge(const ListenerFacts &facts) const
{
    for (const auto &rule : forbidden)
        if (rule.matches(facts))
            return {verdict_forbidden, rule.id, rule.severity};
    for (const auto &rule : expected)
        if (rule.matches(facts))
            return {verdict_expected, rule.id, rule.severity};
    if (default_verdict == verdict_expected)
        return {verdict_expected, "", "info"};
    return {verdict_unexpected, "", default_severity};
}

const std::vector<std::string> &severity_names()
{
    static const std::vector<std::string> names{"info", "low", "medium", "high", "critical"};
    return names;
}

int severity_rank(const std::string &severity)
{
    const auto &names = severity_names();
    auto it = std::find(names.begin(), names.end(), severity);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::uint32_t host_netns_inode()
{
    struct stat st {};
    for (const char *path : {"/proc/1/ns/net", "/proc/self/ns/net"})
        if (stat(path, &st) == 0)
            return static_cast<std::uint32_t>(st.st_ino);
    return 0;
}

bool opens_listener(const Event &event)
{
    if (event.model.error)
        return false;
    switch (event.kind) {
    case EventKind::Existing:
    case EventKind::Listen: return true;
    // A bound UDP socket receives from anyone; a bound TCP socket does not
    // until it listens (the listen event follows).
    case EventKind::Bind: return event.model.socket.protocol != IPPROTO_TCP;
    default: return false;
    }
}

} // namespace tl
