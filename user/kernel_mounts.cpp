#include "kernel_mounts.hpp"

#include <fcntl.h>
#include <mntent.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tl {

namespace {
std::string mount_point_of(const char *fstype)
{
    std::unique_ptr<FILE, int (*)(FILE *)> f(setmntent("/proc/self/mounts", "r"), endmntent);
    if (!f)
        return {};
    while (struct mntent *m = getmntent(f.get()))
        if (std::strcmp(m->mnt_type, fstype) == 0)
            return m->mnt_dir;
    return {};
}
} // namespace

bool ensure_tracefs_mounted()
{
    // AT_EACCESS: checked with the effective ids and capabilities.  A non-root
    // user with file capabilities fails plain access() (it uses the real uid)
    // on the root-only /sys/kernel/tracing and would then try to mount it again.
    for (const char *events : {"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"})
        if (faccessat(AT_FDCWD, events, F_OK, AT_EACCESS) == 0)
            return false;
    if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0)
        throw std::runtime_error(
            std::string("tracefs is not mounted and mounting it at /sys/kernel/tracing failed (") +
            std::strerror(errno) +
            "); mount it by hand (mount -t tracefs nodev /sys/kernel/tracing) or use a kernel "
            "with tp_btf support");
    return true;
}

std::string cgroup2_root() { return mount_point_of("cgroup2"); }

} // namespace tl
