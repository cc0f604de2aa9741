#include "host/proc_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "util/unique_fd.hpp"

namespace tl {

namespace {

std::string proc_path(std::uint32_t pid, const char *leaf)
{
    return "/proc/" + std::to_string(pid) + "/" + leaf;
}

std::int64_t clock_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CLOCK_BOOTTIME - CLOCK_MONOTONIC: the time the host spent suspended.
// Rounded to whole milliseconds so that the few ns between the two clock
// reads do not move a start across a tick boundary.
std::uint64_t suspended_ns()
{
    std::int64_t best = INT64_MAX;
    for (int i = 0; i < 3; ++i) {
        std::int64_t mono = clock_ns(CLOCK_MONOTONIC);
        std::int64_t boot = clock_ns(CLOCK_BOOTTIME);
        if (boot - mono < best)
            best = boot - mono;
    }
    if (best < 0)
        best = 0;
    return static_cast<std::uint64_t>((best + 500'000) / 1'000'000 * 1'000'000);
}

std::uint64_t ns_per_tick() { return 1'000'000'000ULL / clock_ticks_per_second(); }

} // namespace

std::optional<std::string> read_small_file(const std::string &path, std::size_t limit)
{
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return std::nullopt;
    std::string text;
    char buf[4096];
    while (text.size() < limit) {
        ssize_t n = read(fd.get(), buf, std::min(sizeof buf, limit - text.size()));
        if (n < 0)
            return std::nullopt;
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

std::optional<ProcStat> parse_proc_stat(const std::string &text)
{
    // "pid (comm) state ppid ..." - comm is whatever the process chose, so
    // the last ')' ends it.
    auto open = text.find('(');
    auto close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return std::nullopt;
    ProcStat st;
    st.pid = static_cast<std::uint32_t>(std::strtoul(text.c_str(), nullptr, 10));
    st.comm = text.substr(open + 1, close - open - 1);
    std::istringstream rest(text.substr(close + 1));
    std::string field;
    // Fields after comm, numbered from 3 (state) as in proc(5).
    for (int index = 3; rest >> field; ++index) {
        if (index == 4)
            st.ppid = static_cast<std::uint32_t>(std::strtoul(field.c_str(), nullptr, 10));
        if (index == 22) {
            st.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
            return st;
        }
    }
    return std::nullopt;
}

std::optional<ProcStat> read_proc_stat(std::uint32_t pid)
{
    auto text = read_small_file(proc_path(pid, "stat"), 4096);
    if (!text)
        return std::nullopt;
    return parse_proc_stat(*text);
}

std::optional<ProcIds> read_proc_ids(std::uint32_t pid)
{
    auto text = read_small_file(proc_path(pid, "status"), 16384);
    if (!text)
        return std::nullopt;
    std::istringstream in(*text);
    std::string line;
    ProcIds ids;
    int found = 0;
    while (std::getline(in, line)) {
        if (line.rfind("Uid:", 0) == 0) {
            ids.uid = static_cast<std::uint32_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
            ++found;
        } else if (line.rfind("Gid:", 0) == 0) {
            ids.gid = static_cast<std::uint32_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
            ++found;
        }
    }
    if (found != 2)
        return std::nullopt;
    return ids;
}

std::string read_proc_exe(std::uint32_t pid)
{
    char buf[4096];
    ssize_t n = readlink(proc_path(pid, "exe").c_str(), buf, sizeof buf);
    if (n <= 0)
        return {};
    return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> read_proc_cmdline(std::uint32_t pid)
{
    std::vector<std::string> args;
    auto text = read_small_file(proc_path(pid, "cmdline"), 1 << 20);
    if (!text)
        return args;
    std::size_t start = 0;
    while (start < text->size()) {
        std::size_t end = text->find('\0', start);
        if (end == std::string::npos)
            end = text->size();
        args.push_back(text->substr(start, end - start));
        start = end + 1;
    }
    return args;
}

std::string read_proc_cgroup(std::uint32_t pid)
{
    return read_small_file(proc_path(pid, "cgroup"), 65536).value_or("");
}

std::uint32_t read_proc_ns_inode(std::uint32_t pid, const char *ns)
{
    struct stat st {};
    if (stat(("/proc/" + std::to_string(pid) + "/ns/" + ns).c_str(), &st) != 0)
        return 0;
    return static_cast<std::uint32_t>(st.st_ino);
}

std::uint64_t clock_ticks_per_second()
{
    static const std::uint64_t hz = [] {
        long v = sysconf(_SC_CLK_TCK);
        return v > 0 ? static_cast<std::uint64_t>(v) : 100;
    }();
    return hz;
}

std::uint64_t monotonic_ns_to_boot_ticks(std::uint64_t monotonic_ns)
{
    return (monotonic_ns + suspended_ns()) / ns_per_tick();
}

std::uint64_t boot_ticks_to_monotonic_ns(std::uint64_t ticks)
{
    std::uint64_t boot_ns = ticks * ns_per_tick();
    std::uint64_t offset = suspended_ns();
    return boot_ns > offset ? boot_ns - offset : 0;
}

bool same_start(std::uint64_t kernel_start_ns, std::uint64_t proc_start_ticks)
{
    std::uint64_t ticks = monotonic_ns_to_boot_ticks(kernel_start_ns);
    return ticks + 1 >= proc_start_ticks && proc_start_ticks + 1 >= ticks;
}

std::string base_name(const std::string &path)
{
    std::string p = path;
    const std::string deleted = " (deleted)";
    if (p.size() > deleted.size() && p.compare(p.size() - deleted.size(), deleted.size(), deleted) == 0)
        p.resize(p.size() - deleted.size());
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

} // namespace tl
