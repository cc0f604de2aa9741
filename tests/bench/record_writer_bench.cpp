// Record writer throughput and size: N enriched events of one process
// (socket + bind + listen + close, as the burst of scripts/bench makes them)
// through RecordWriter into a file with the default settings (zstd blocks,
// hash chain).  Prints events per second and bytes per event on disk for
// scripts/bench; not a test.
//   record_writer_bench N FILE
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "enrich/attribution.hpp"
#include "pipeline/event_decode.hpp"
#include "record/record_writer.hpp"
#include "synthetic_event.hpp"

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: record_writer_bench N FILE\n");
        return 2;
    }
    long n = std::atol(argv[1]);
    std::string path = argv[2];
    std::filesystem::remove(path);

    static const char args[] = "listen_load\0loop\0100000";
    tl_event raw = tl::bench::synthetic_record({"listen_load", "bash", "listen_load", "session-3.scope", {args, sizeof args}});
    raw.via = TL_VIA_SYSCALL;
    raw.sock.req_family = AF_INET;
    raw.sock.req_addr[0] = 127;
    raw.sock.req_addr[3] = 1;
    raw.sock.netns = 4026531840u;
    raw.task.loginuid = 0xffffffffu;
    raw.task.sessionid = 0xffffffffu;
    raw.task.cgroup_id = 9876;
    raw.task.pidns = 4026531836u;
    raw.task.mntns = 4026531841u;

    // One template per kind, enriched once as the live pipeline would.
    auto enricher = tl::make_attribution_enricher({4});
    std::vector<tl::Event> kinds;
    for (auto kind : {TL_EVENT_BIND, TL_EVENT_LISTEN, TL_EVENT_CLOSE}) {
        raw.kind = kind;
        raw.sock.backlog = kind == TL_EVENT_LISTEN ? 128 : 0;
        auto e = tl::decode_event(&raw, sizeof raw);
        if (!e)
            return 1;
        enricher->enrich(*e);
        kinds.push_back(std::move(*e));
    }

    tl::record::RecordWriter writer({path, 0, 1, true});
    writer.begin({{"describe", "record_writer_bench"}});
    std::uint64_t ts = 1'000'000'000'000, cookie = 100000;
    std::uint16_t port = 32768;
    std::int64_t boot = 1'700'000'000'000'000'000;
    // Real bursts are not regular: ephemeral ports, the time between calls and
    // the cookies other sockets take in between vary (xorshift, fixed seed).
    std::uint64_t rng = 0x9e3779b97f4a7c15ull;
    auto next = [&rng] {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
    };
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
        tl::Event &e = kinds[static_cast<std::size_t>(i % 3)];
        std::uint64_t r = next();
        if (i % 3 == 0) { // a new socket: new cookie, new ephemeral port
            cookie += 1 + (r >> 60);
            port = static_cast<std::uint16_t>(32768 + (r >> 16) % 28000);
        }
        ts += 800 + (r & 0x3ff);
        e.model.ts_ns = ts;
        e.model.socket.cookie = cookie;
        e.model.socket.port = port;
        e.model.lifetime_ns = e.kind == tl::EventKind::Close ? 1500 : 0;
        e.wall_time_ns = boot + static_cast<std::int64_t>(ts);
        e.sequence = static_cast<std::uint64_t>(i + 1);
        writer.write(e);
        if (i % 64 == 63)
            writer.flush(); // as the session does after each ring-buffer batch
    }
    writer.close();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto bytes = std::filesystem::file_size(path);
    std::printf("events %ld\nseconds %.6f\nevents_per_second %.0f\nbytes %ju\nbytes_per_event %.2f\n"
                "failed %ju\n",
                n, seconds, n / seconds, static_cast<std::uintmax_t>(bytes),
                static_cast<double>(bytes) / static_cast<double>(n),
                static_cast<std::uintmax_t>(writer.stats().failed));
    return writer.stats().failed ? 1 : 0;
}
