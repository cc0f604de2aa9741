// Userspace cost per event, for callgrind: N synthetic kernel records through
// decode -> attribution (cache warm after the first) -> one line in FORMAT
// (ecs, the default; ocsf; table; syslog = an RFC 5424 message carrying the
// ECS line, as a syslog sink sends it).
//
//   event_cost [N] [FORMAT]      (EVENT_COST_SHOW=1: the last line on stderr)
// scripts/bench runs it at two N under `valgrind --tool=callgrind` and
// divides the difference in instructions by the difference in N, so start-up
// costs cancel out.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "enrich/attribution.hpp"
#include "format/syslog_message.hpp"
#include "pipeline/event_decode.hpp"
#include "pipeline/line_format.hpp"
#include "synthetic_event.hpp"

int main(int argc, char **argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 1000;
    std::string format_name = argc > 2 ? argv[2] : "ecs";
    const bool syslog = format_name == "syslog";
    static const char args[] = "nginx\0-g\0daemon off;";
    tl_event raw = tl::bench::synthetic_record({"nginx", "systemd", "nginx", "nginx.service", {args, sizeof args}});
    raw.kind = TL_EVENT_LISTEN;
    raw.sock.backlog = 128;
    raw.sock.cookie = 4242;

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
    if (std::getenv("EVENT_COST_SHOW")) // what is being measured
        std::fputs((syslog ? message : line).c_str(), stderr);
    return 0;
}
