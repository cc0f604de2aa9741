#include "enrich/proc_task.hpp"

#include <algorithm>
#include <cstring>

#include "enrich/container_naming.hpp"
#include "host/proc_reader.hpp"

namespace tl {

namespace {

void copy_text(char *field, std::size_t size, const std::string &text)
{
    std::size_t n = std::min(size - 1, text.size());
    std::memcpy(field, text.data(), n);
    field[n] = '\0';
}

std::uint32_t read_u32_file(const std::string &path, std::uint32_t fallback)
{
    auto text = read_small_file(path, 64);
    if (!text || text->empty())
        return fallback;
    return static_cast<std::uint32_t>(std::strtoul(text->c_str(), nullptr, 10));
}

// The v2 line of /proc/<pid>/cgroup ("0::/path").
std::string v2_path(const std::string &proc_cgroup)
{
    std::size_t at = proc_cgroup.rfind("0::", 0) == 0 ? 0 : proc_cgroup.find("\n0::");
    if (at == std::string::npos)
        return {};
    if (at != 0)
        ++at;
    std::size_t end = proc_cgroup.find('\n', at);
    return proc_cgroup.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3);
}

} // namespace

std::optional<TaskModel> task_from_proc(std::uint32_t pid, const CgroupPaths &cgroups)
{
    auto st = read_proc_stat(pid);
    if (!st)
        return std::nullopt;
    TaskModel t;
    t.pid = pid;
    t.tid = pid;
    t.ppid = st->ppid;
    t.start_ns = boot_ticks_to_monotonic_ns(st->start_ticks);
    copy_text(t.comm, sizeof t.comm, st->comm);
    if (auto parent = st->ppid ? read_proc_stat(st->ppid) : std::nullopt) {
        t.parent_start_ns = boot_ticks_to_monotonic_ns(parent->start_ticks);
        copy_text(t.parent_comm, sizeof t.parent_comm, parent->comm);
    }
    if (auto ids = read_proc_ids(pid)) {
        t.uid = ids->uid;
        t.gid = ids->gid;
    }
    std::string base = "/proc/" + std::to_string(pid) + "/";
    t.loginuid = read_u32_file(base + "loginuid", UINT32_MAX);
    t.sessionid = read_u32_file(base + "sessionid", UINT32_MAX);
    t.pidns = read_proc_ns_inode(pid, "pid");
    t.mntns = read_proc_ns_inode(pid, "mnt");
    copy_text(t.exe, sizeof t.exe, base_name(read_proc_exe(pid)));

    std::string path = v2_path(read_proc_cgroup(pid));
    if (!path.empty()) {
        t.cgroup_id = cgroups.id_of(path);
        copy_text(t.cgroup_name, sizeof t.cgroup_name,
                  path == "/" ? std::string{} : path.substr(path.rfind('/') + 1));
    }

    std::string args;
    for (const auto &a : read_proc_cmdline(pid))
        args.append(a).push_back('\0');
    if (args.size() > TL_ARGS_LEN)
        t.flags |= TL_TASK_ARGS_TRUNCATED;
    t.args_len = static_cast<std::uint16_t>(std::min<std::size_t>(args.size(), TL_ARGS_LEN));
    std::memcpy(t.args, args.data(), t.args_len);
    return t;
}

} // namespace tl
