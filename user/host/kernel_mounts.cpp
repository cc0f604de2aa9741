#include "host/kernel_mounts.hpp"

#include <fcntl.h>
#include <mntent.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

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
    // libbpf looks up tracepoint ids in <tracefs>/events/<group>/<name>/id.
    // Judge access with the effective credentials and capabilities (what
    // open() will use), not the real uid access() uses: a non-root user with
    // file capabilities must not be told that a mounted tracefs is missing.
    auto usable = [](const std::string &dir) {
        return faccessat(AT_FDCWD, (dir + "/events").c_str(), R_OK | X_OK, AT_EACCESS) == 0;
    };
    for (const char *dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
        if (usable(dir))
            return false;
    std::string mounted = mount_point_of("tracefs");
    if (!mounted.empty()) {
        if (usable(mounted))
            return false;
        int err = errno;
        struct stat st {};
        std::string mode = stat(mounted.c_str(), &st) == 0
                               ? fmt::format("mode {:04o}, owner uid {} gid {}",
                                             st.st_mode & 07777, st.st_uid, st.st_gid)
                               : "mode unknown";
        throw std::runtime_error(fmt::format(
            "tracefs is mounted at {} but this process (uid {}, gid {}) may not read it: {} ({}); "
            "run as root, give access (e.g. mount -o remount,mode=0755 {}), or choose hooks "
            "that need no tracefs (--bind-hook fexit/kprobe where the kernel allows)",
            mounted, geteuid(), getegid(), std::strerror(err), mode, mounted));
    }
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
