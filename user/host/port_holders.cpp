#include "host/port_holders.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>

#include "host/proc_reader.hpp"
#include "host/net_namespaces.hpp"
#include "host/sock_diag.hpp"
#include "host/socket_owners.hpp"

namespace tl {

namespace {

// A path that opens the namespace: the asking process's own link is the
// cheap and likely one; otherwise search.
std::vector<NetNamespaceRef> namespace_of(const PortQuery &q)
{
    if (q.asking_pid && read_proc_ns_inode(q.asking_pid, "net") == q.netns)
        return {{q.netns, "/proc/" + std::to_string(q.asking_pid) + "/ns/net"}};
    for (auto &ns : list_net_namespaces())
        if (ns.inode == q.netns)
            return {ns};
    return {};
}

} // namespace

std::vector<PortHolder> find_port_holders(const PortQuery &q)
{
    auto ns = namespace_of(q);
    if (ns.empty() || !q.port)
        return {};
    // Every state: a bound-but-not-listening socket or an accepted
    // connection on the port blocks bind() as well as a listener does.
    std::vector<DiagSocket> matching;
    for_each_net_namespace(ns, [&](const NetNamespaceRef &) {
        for (std::uint8_t family : {AF_INET, AF_INET6})
            for (const DiagSocket &s : dump_inet_sockets(family, q.protocol, 0xffffffffU))
                if (s.port == q.port)
                    matching.push_back(s);
    });

    std::unordered_set<std::uint64_t> inodes;
    for (auto &s : matching)
        if (s.inode)
            inodes.insert(s.inode);
    SocketOwners owners = find_socket_owners_in(inodes, q.netns);
    if (owners.by_inode.empty())
        owners = find_socket_owners(inodes);

    std::vector<PortHolder> holders;
    for (auto &s : matching) {
        bool listening = s.protocol == IPPROTO_UDP || s.state == TCP_LISTEN;
        auto it = owners.by_inode.find(s.inode);
        if (it == owners.by_inode.end()) {
            if (s.inode) // inode 0: TIME_WAIT and similar, no socket file at all
                holders.push_back({0, s.cgroup_id, listening});
            continue;
        }
        for (std::uint32_t pid : it->second)
            holders.push_back({pid, s.cgroup_id, listening});
    }
    std::stable_sort(holders.begin(), holders.end(), [](const PortHolder &a, const PortHolder &b) {
        if (a.listening != b.listening)
            return a.listening;
        if ((a.pid == 0) != (b.pid == 0))
            return a.pid != 0;
        return a.pid < b.pid;
    });
    holders.erase(std::unique(holders.begin(), holders.end(),
                              [](const PortHolder &a, const PortHolder &b) {
                                  return a.pid == b.pid && a.pid != 0;
                              }),
                  holders.end());
    return holders;
}

} // namespace tl
