// Userspace cost per event, for callgrind: N synthetic kernel records through
// decode -> attribution (cache warm after the first) -> one line in FORMAT
// (ecs, the default; ocsf; table; syslog = an RFC 5424 message carrying the
// ECS line, as a syslog sink sends it).
//
//   event_cost [N] [FORMAT]
// scripts/bench runs it at two N under `valgrind --tool=callgrind` and
// divides the difference in instructions by the difference in N, so start-up
// costs cancel out.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "enrich/attribution.hpp"
#include "format/syslog_message.hpp"
#include "host/proc_reader.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/line_format.hpp"

int main(int argc, char **argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 1000;
    std::string format_name = argc > 2 ? argv[2] : "ecs";
    const bool syslog = format_name == "syslog";
    tl_event raw{};
    raw.kind = TL_EVENT_LISTEN;
    raw.hook = TL_HOOK_SYSCALL_TP;
    raw.sock.family = 2;
    raw.sock.protocol = 6;
    raw.sock.type = 1;
    raw.sock.addr[0] = 127;
    raw.sock.addr[3] = 1;
    raw.sock.backlog = 128;
    raw.sock.cookie = 4242;
    raw.task.pid = raw.task.tid = static_cast<__u32>(getpid()); // a live process: /proc is there
    raw.task.ppid = static_cast<__u32>(getppid());
    // The process start as the kernel records it (CLOCK_MONOTONIC ns): with
    // it the caches keyed by (pid, start) hit as they do for a real record.
    if (auto st = tl::read_proc_stat(raw.task.pid)) {
        timespec boot{}, mono{};
        clock_gettime(CLOCK_BOOTTIME, &boot);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        long long suspended = (boot.tv_sec - mono.tv_sec) * 1'000'000'000LL + (boot.tv_nsec - mono.tv_nsec);
        long long start = static_cast<long long>(st->start_ticks) * (1'000'000'000LL / sysconf(_SC_CLK_TCK));
        raw.task.start_ns = static_cast<__u64>(start > suspended ? start - suspended : start);
        if (!tl::same_start(raw.task.start_ns, st->start_ticks))
            std::fprintf(stderr, "event_cost: cannot express our start time as the kernel does\n");
    }
    std::strcpy(raw.task.comm, "nginx");
    std::strcpy(raw.task.parent_comm, "systemd");
    std::strcpy(raw.task.exe, "nginx");
    std::strcpy(raw.task.cgroup_name, "nginx.service");
    static const char args[] = "nginx\0-g\0daemon off;";
    std::memcpy(raw.task.args, args, sizeof args);
    raw.task.args_len = sizeof args;

    auto enricher = tl::make_attribution_enricher({4});
    auto format = tl::make_line_format(syslog ? "ecs" : format_name);
    std::size_t bytes = 0;
    std::string line, message; // reused, as a sink reuses its buffer
    for (long i = 0; i < n; ++i) {
        raw.ts_ns = 1'000'000'000ull + static_cast<unsigned long long>(i);
        raw.sock.port = static_cast<__u16>(1024 + i % 60000);
        auto event = tl::decode_event(&raw, sizeof raw);
        if (!event)
            return 1;
        event->sequence = static_cast<std::uint64_t>(i + 1);
        enricher->enrich(*event);
        line.clear();
        format->write_event(line, *event);
        if (syslog) {
            message.clear();
            tl::append_syslog_event(message, *event, 3, line);
            bytes += message.size();
        } else {
            bytes += line.size();
        }
    }
    std::printf("events %ld\nbytes %zu\n", n, bytes);
    return 0;
}
