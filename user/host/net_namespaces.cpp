#include "host/net_namespaces.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <thread>

#include "util/unique_fd.hpp"

namespace tl {

namespace {

// False when the path exists but may not be looked at (not when it is gone).
bool add_path(std::map<std::uint32_t, std::string> &found, const std::string &path)
{
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) {
        found.emplace(static_cast<std::uint32_t>(st.st_ino), path);
        return true;
    }
    return errno != EACCES && errno != EPERM;
}

std::uint32_t thread_netns_inode()
{
    struct stat st {};
    return stat("/proc/thread-self/ns/net", &st) == 0 ? static_cast<std::uint32_t>(st.st_ino) : 0;
}

template <typename Visit>
void for_each_entry(const char *dir, Visit visit)
{
    std::unique_ptr<DIR, int (*)(DIR *)> d(opendir(dir), closedir);
    if (!d)
        return;
    while (dirent *e = readdir(d.get()))
        if (e->d_name[0] != '.')
            visit(std::string(e->d_name));
}

} // namespace

std::vector<NetNamespaceRef> list_net_namespaces(std::size_t *denied)
{
    std::map<std::uint32_t, std::string> found;
    add_path(found, "/proc/self/ns/net");
    for_each_entry("/proc", [&](const std::string &name) {
        if (name.find_first_not_of("0123456789") == std::string::npos &&
            !add_path(found, "/proc/" + name + "/ns/net") && denied)
            ++*denied;
    });
    for_each_entry("/run/netns", [&](const std::string &name) { add_path(found, "/run/netns/" + name); });
    std::vector<NetNamespaceRef> out;
    for (auto &[inode, path] : found)
        out.push_back({inode, path});
    return out;
}

std::vector<NamespaceFailure> for_each_net_namespace(
    const std::vector<NetNamespaceRef> &namespaces,
    const std::function<void(const NetNamespaceRef &)> &work)
{
    std::vector<NamespaceFailure> failures;
    std::thread worker([&] {
        std::uint32_t current = thread_netns_inode();
        for (const auto &ns : namespaces) {
            if (ns.inode != current) {
                UniqueFd fd(open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
                if (!fd) {
                    int err = errno;
                    failures.push_back({ns, std::string("cannot open: ") + std::strerror(err) +
                                                (err == EACCES || err == EPERM
                                                     ? " (needs CAP_SYS_PTRACE)"
                                                     : "")});
                    continue;
                }
                if (setns(fd.get(), CLONE_NEWNET) != 0) {
                    int err = errno;
                    failures.push_back({ns, std::string("cannot enter: ") + std::strerror(err) +
                                                (err == EPERM ? " (needs CAP_SYS_ADMIN)" : "")});
                    continue;
                }
                current = ns.inode;
            }
            try {
                work(ns);
            } catch (const std::exception &e) {
                failures.push_back({ns, e.what()});
            }
        }
    });
    worker.join();
    return failures;
}

} // namespace tl
