// What /proc/<pid> says about a process, read without following it over
// time: every reader returns nothing when the process is gone or unreadable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tl {

// Fields of /proc/<pid>/stat.
struct ProcStat {
    std::uint32_t pid = 0;
    std::uint32_t ppid = 0;
    std::string comm;
    std::uint64_t start_ticks = 0; // clock ticks since boot (CLOCK_BOOTTIME)
};

// Parses the text of a stat file (comm may contain spaces and ')').
std::optional<ProcStat> parse_proc_stat(const std::string &text);
std::optional<ProcStat> read_proc_stat(std::uint32_t pid);

// Real uid and gid from /proc/<pid>/status.
struct ProcIds {
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
};
std::optional<ProcIds> read_proc_ids(std::uint32_t pid);

std::string read_proc_exe(std::uint32_t pid);      // full path; "" when unreadable
std::vector<std::string> read_proc_cmdline(std::uint32_t pid);
std::string read_proc_cgroup(std::uint32_t pid);   // the whole /proc/<pid>/cgroup text
std::uint32_t read_proc_ns_inode(std::uint32_t pid, const char *ns); // "net", "pid", "mnt"; 0 if unknown

// Up to `limit` bytes of a file; nullopt when it cannot be opened.
std::optional<std::string> read_small_file(const std::string &path, std::size_t limit = 65536);

// The kernel records task->start_time on CLOCK_MONOTONIC in ns; /proc
// reports start_boottime in clock ticks.  Both describe one instant; these
// convert between them (exact while the host never suspended, which is the
// case on servers; after a suspend the difference is measured and applied).
std::uint64_t clock_ticks_per_second();
std::uint64_t monotonic_ns_to_boot_ticks(std::uint64_t monotonic_ns);
std::uint64_t boot_ticks_to_monotonic_ns(std::uint64_t ticks);

// True when /proc's start (ticks) is the kernel's start (ns) of the same
// process: pid reuse gives a different start.  Allows one tick of rounding.
bool same_start(std::uint64_t kernel_start_ns, std::uint64_t proc_start_ticks);

// The file name of a path without " (deleted)" and directories.
std::string base_name(const std::string &path);

} // namespace tl
