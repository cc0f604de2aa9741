// Every network namespace on the host that can be reached by a path: those
// of running processes (/proc/*/ns/net) and the named ones (/run/netns/*,
// which may have no process at all).  A namespace kept alive only by an open
// file descriptor or a socket has no such path and is not seen.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tl {

struct NetNamespaceRef {
    std::uint32_t inode = 0;
    std::string path; // a path that opens it
};

// Unique by inode, sorted by inode.  `denied` (if given) counts the processes
// whose namespace could not be looked up (EACCES/EPERM: ptrace access rules).
std::vector<NetNamespaceRef> list_net_namespaces(std::size_t *denied = nullptr);

struct NamespaceFailure {
    NetNamespaceRef ns;
    std::string error;
};

// Runs `work` inside each namespace, one after the other, in a dedicated
// thread: setns() changes only that thread, so the caller's namespace never
// changes, even when `work` throws.  Returns the namespaces that could not
// be entered or whose `work` threw (std::exception), with why.  The namespace
// the caller is in is worked in without setns() (which needs CAP_SYS_ADMIN).
std::vector<NamespaceFailure> for_each_net_namespace(
    const std::vector<NetNamespaceRef> &namespaces,
    const std::function<void(const NetNamespaceRef &)> &work);

} // namespace tl
