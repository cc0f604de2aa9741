#include "host/cgroup_paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include "host/kernel_mounts.hpp"

namespace tl {

namespace {
constexpr int fileid_kernfs = 0xfe; // FILEID_KERNFS: a kernfs node id as handle
}

CgroupPaths::CgroupPaths() : mount_point_(cgroup2_root())
{
    if (mount_point_.empty())
        return;
    mount_fd_ = UniqueFd(open(mount_point_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat st {};
    if (mount_fd_ && fstat(mount_fd_.get(), &st) == 0)
        root_id_ = st.st_ino;
}

std::optional<std::string> CgroupPaths::path_of(std::uint64_t cgroup_id) const
{
    if (!mount_fd_ || cgroup_id == 0)
        return std::nullopt;
    if (cgroup_id == root_id_)
        return std::string("/");
    struct {
        file_handle handle;
        std::uint64_t id;
    } h{};
    h.handle.handle_bytes = sizeof h.id;
    h.handle.handle_type = fileid_kernfs;
    h.id = cgroup_id;
    UniqueFd fd(open_by_handle_at(mount_fd_.get(), &h.handle, O_RDONLY | O_CLOEXEC));
    if (!fd)
        return std::nullopt;
    char buf[4096];
    std::string link = "/proc/self/fd/" + std::to_string(fd.get());
    ssize_t n = readlink(link.c_str(), buf, sizeof buf);
    if (n <= 0)
        return std::nullopt;
    std::string full(buf, static_cast<std::size_t>(n));
    if (full.compare(0, mount_point_.size(), mount_point_) != 0)
        return std::nullopt;
    std::string rel = full.substr(mount_point_.size());
    return rel.empty() ? std::string("/") : rel;
}

std::uint64_t CgroupPaths::id_of(const std::string &path) const
{
    if (mount_point_.empty())
        return 0;
    struct stat st {};
    if (stat((mount_point_ + path).c_str(), &st) != 0)
        return 0;
    return st.st_ino;
}

} // namespace tl
