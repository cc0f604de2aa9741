// The kernel record the benchmark drivers feed the pipeline: a TCP socket on
// 127.0.0.1 of this very process, so /proc is there and the caches keyed by
// (pid, start) hit as they do for a real record.  Each driver sets the kind
// and the fields it varies.  Header-only: shared by event_cost and
// record_writer_bench, not a test.
#pragma once

#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "host/proc_reader.hpp"
#include "trace_listen/event.h"

namespace tl::bench {

struct SyntheticProcess {
    const char *comm;
    const char *parent_comm;
    const char *exe;
    const char *cgroup_name;
    std::string_view args; // NUL-separated, as the kernel captures them
};

inline tl_event synthetic_record(const SyntheticProcess &who)
{
    tl_event raw{};
    raw.hook = TL_HOOK_SYSCALL_TP;
    raw.sock.family = AF_INET;
    raw.sock.protocol = 6;
    raw.sock.type = SOCK_STREAM;
    raw.sock.addr[0] = 127;
    raw.sock.addr[3] = 1;
    raw.task.pid = raw.task.tid = static_cast<__u32>(getpid());
    raw.task.ppid = static_cast<__u32>(getppid());
    // The process start as the kernel records it (CLOCK_MONOTONIC ns).
    if (auto st = read_proc_stat(raw.task.pid)) {
        timespec boot{}, mono{};
        clock_gettime(CLOCK_BOOTTIME, &boot);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        long long suspended = (boot.tv_sec - mono.tv_sec) * 1'000'000'000LL + (boot.tv_nsec - mono.tv_nsec);
        long long start = static_cast<long long>(st->start_ticks) * (1'000'000'000LL / sysconf(_SC_CLK_TCK));
        raw.task.start_ns = static_cast<__u64>(start > suspended ? start - suspended : start);
        if (!same_start(raw.task.start_ns, st->start_ticks))
            std::fprintf(stderr, "bench: cannot express our start time as the kernel does\n");
    }
    std::strncpy(raw.task.comm, who.comm, sizeof raw.task.comm - 1);
    std::strncpy(raw.task.parent_comm, who.parent_comm, sizeof raw.task.parent_comm - 1);
    std::strncpy(raw.task.exe, who.exe, sizeof raw.task.exe - 1);
    std::strncpy(raw.task.cgroup_name, who.cgroup_name, sizeof raw.task.cgroup_name - 1);
    std::size_t args_len = who.args.size() < sizeof raw.task.args ? who.args.size() : sizeof raw.task.args;
    std::memcpy(raw.task.args, who.args.data(), args_len);
    raw.task.args_len = static_cast<decltype(raw.task.args_len)>(args_len);
    return raw;
}

} // namespace tl::bench
