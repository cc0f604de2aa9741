// trace-listen record / replay against the real kernel: what was recorded
// replays with every field, through the same filters and formats, a record
// cut short by SIGKILL still replays, saying what it lost, and
// `replay --verify` names the first frame that does not match its chain.
#include <signal.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "record/record_reader.hpp"
#include "record/record_writer.hpp"
#include "support/event_models.hpp"
#include "support/sockets.hpp"
#include "support/tracer_process.hpp"
#include "support/temp_dir.hpp"

using namespace tl::test;
namespace fs = std::filesystem;

namespace {

// Listen events of this process in a record file (read with the real reader).
std::vector<tl::Event> recorded_listens(const std::string &path)
{
    std::vector<tl::Event> found;
    try {
        tl::record::RecordReader reader(path, nullptr);
        while (auto entry = reader.next())
            if (auto *e = std::get_if<tl::Event>(&*entry))
                if (e->kind == tl::EventKind::Listen &&
                    e->model.task.pid == static_cast<std::uint32_t>(getpid()))
                    found.push_back(*e);
    } catch (const tl::record::RecordFileError &) {
        // not created yet
    }
    return found;
}

// Waits (bounded, not timed) until `n` listens of ours are in the file.
bool wait_recorded(const std::string &path, std::size_t n)
{
    for (int i = 0; i < 300; ++i) {
        if (recorded_listens(path).size() >= n)
            return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

struct Replay {
    int status;
    std::vector<Json> lines;
    std::string err;
};

Replay replay(std::vector<std::string> args)
{
    args.insert(args.begin(), "replay");
    TracerProcess p(args, /*wait_ready=*/false);
    int status = p.wait(60s);
    Replay r{status, {}, p.err()};
    if (args.size() > 2 && std::find(args.begin(), args.end(), "json") != args.end())
        r.lines = p.json_lines();
    return r;
}

std::vector<Json> listens_on(const std::vector<Json> &lines, int port)
{
    std::vector<Json> out;
    for (auto &l : events_of(lines, "socket-listen", getpid()))
        if (l.value("/server/port"_json_pointer, -1) == port)
            out.push_back(l);
    return out;
}

} // namespace

TEST_CASE("record then replay gives the same ECS documents the live trace printed")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "trace.tlr").string();
    std::string pid = std::to_string(getpid());
    TracerProcess rec({"record", "-w", file, "--pid", pid, "--no-snapshot", "--sink", "stdout:json"});
    Fd a = tcp_listener("127.0.0.1", 0, 5);
    Fd b = tcp_listener("::1", 0, 6);
    int port_a = local_port(a.get()), port_b = local_port(b.get());
    REQUIRE(wait_recorded(file, 2));
    a.reset(); // a close event too
    std::this_thread::sleep_for(300ms);
    REQUIRE(rec.stop() == 0);
    CHECK(rec.err().find("record: ") != std::string::npos);

    auto live = rec.json_lines();
    Replay r = replay({file, "-o", "json"});
    INFO("replay stderr:\n" << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.find("recorded on") != std::string::npos);
    CHECK(r.err.find("boot") != std::string::npos);
    for (int port : {port_a, port_b}) {
        auto l = listens_on(live, port), p = listens_on(r.lines, port);
        REQUIRE(l.size() == 1);
        REQUIRE(p.size() == 1);
        // Every field, the sequence number included; only the agent's
        // per-run id differs (the replaying process is another agent run).
        p[0]["agent"].erase("ephemeral_id");
        l[0]["agent"].erase("ephemeral_id");
        CHECK(p[0] == l[0]);
        CHECK(p[0]["process"]["parent"]["pid"] == getppid());
        CHECK_FALSE(p[0]["process"]["executable"].get<std::string>().empty());
    }
    // The same number of our events, live and replayed (binds, listens, a close).
    auto ours = [&](const std::vector<Json> &lines) {
        std::size_t n = 0;
        for (auto &l : lines)
            n += l.value("/process/pid"_json_pointer, -1) == getpid();
        return n;
    };
    CHECK(ours(r.lines) == ours(live));
    CHECK(ours(r.lines) >= 5);

    SECTION("filters and time bounds apply as in a live trace")
    {
        auto only_b = replay({file, "-o", "json", "--port", std::to_string(port_b)});
        REQUIRE(only_b.status == 0);
        CHECK(listens_on(only_b.lines, port_a).empty());
        CHECK(listens_on(only_b.lines, port_b).size() == 1);
        auto v4 = replay({file, "-o", "json", "-4", "--events", "listen"});
        CHECK(listens_on(v4.lines, port_a).size() == 1);
        CHECK(listens_on(v4.lines, port_b).empty());
        CHECK(events_of(v4.lines, "socket-bind", getpid()).empty());
        auto future = replay({file, "-o", "json", "--since", "2200-01-01T00:00:00Z"});
        CHECK(future.status == 0);
        CHECK(events_of(future.lines, "socket-listen", getpid()).empty());
        auto past = replay({file, "-o", "json", "--until", "2000-01-01T00:00:00Z"});
        CHECK(events_of(past.lines, "socket-listen", getpid()).empty());
        auto table = replay({file, "-o", "table", "--port", std::to_string(port_a)});
        CHECK(table.status == 0);
    }
}

TEST_CASE("a record cut by SIGKILL replays up to the cut and says where it was cut")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "killed.tlr").string();
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot"});
    std::vector<Fd> fds;
    for (int i = 0; i < 5; ++i)
        fds.push_back(tcp_listener("127.0.0.1", 0));
    REQUIRE(wait_recorded(file, 5));
    rec.stop(SIGKILL);
    // What SIGKILL in the middle of a write leaves: the start of a frame.
    auto whole = fs::file_size(file);
    {
        FILE *f = std::fopen(file.c_str(), "ab");
        std::fwrite("TLRF\x02\x00\x02\x00\x10\x00", 1, 10, f);
        std::fclose(f);
    }
    Replay r = replay({file, "-o", "json"});
    INFO(r.err);
    CHECK(r.status == 1); // damage found: said on stderr and in the exit status
    CHECK(r.err.find("byte " + std::to_string(whole)) != std::string::npos);
    CHECK(r.err.find("cut short") != std::string::npos);
    for (auto &fd : fds)
        CHECK(listens_on(r.lines, local_port(fd.get())).size() == 1);
    // The chain says the same: the recording did not end, and where it was cut.
    TracerProcess verify({"replay", "--verify", file}, /*wait_ready=*/false);
    CHECK(verify.wait(60s) == 1);
    INFO(verify.err());
    CHECK(verify.err().find("byte " + std::to_string(whole)) != std::string::npos);
    CHECK(verify.err().find("cut short") != std::string::npos);
}

TEST_CASE("record rotates compressed files by size and replay reads them in order")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "rot.tlr").string();
    // --allow-loss: this is about rotation; a slow build (ThreadSanitizer's
    // consumer is ~10x slower) may drop some of the burst, which is counted
    // and would otherwise end the recorder with exit 3.
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot",
                       "--compress", "--rotate-size", "8K", "--rotate-count", "3",
                       "--allow-loss"});
    // Compressed, an event takes a few bytes: enough of them for three files.
    for (int i = 0; i < 3000; ++i)
        tcp_listener("127.0.0.1", 0); // listen and close at once
    REQUIRE(wait_recorded(file, 1));
    std::this_thread::sleep_for(500ms);
    REQUIRE(rec.stop() == 0);
    CHECK(fs::exists(file + ".1"));
    CHECK(fs::exists(file + ".2"));
    CHECK_FALSE(fs::exists(file + ".3"));
    for (auto p : {file, file + ".1", file + ".2"})
        CHECK(fs::file_size(p) <= 8 * 1024);
    Replay r = replay({file + ".2", file + ".1", file, "-o", "json"});
    INFO(r.err);
    CHECK(r.status == 0);
    auto listens = events_of(r.lines, "socket-listen", getpid());
    REQUIRE(listens.size() > 3);
    for (std::size_t i = 1; i < listens.size(); ++i)
        CHECK(listens[i]["event"]["sequence"] > listens[i - 1]["event"]["sequence"]);
    // The oldest files rotated away: the newest events are all still there.
    CHECK(listens.back()["server"]["port"] > 0);
    // One chain through the files kept, each closed by its rotation or final seal.
    TracerProcess verify({"replay", "--verify", file + ".2", file + ".1", file},
                         /*wait_ready=*/false);
    CHECK(verify.wait(60s) == 0);
    INFO(verify.err());
    CHECK(verify.err().find("closed by its rotation seal") != std::string::npos);
}

TEST_CASE("replay --follow prints events as the record grows")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "follow.tlr").string();
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot"});
    TracerProcess follow({"replay", "--follow", "-o", "json", file}, /*wait_ready=*/false);
    Fd fd = tcp_listener("127.0.0.1", 0);
    int port = local_port(fd.get());
    auto seen = follow.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/server/port"_json_pointer, -1) == port;
    }, 20s);
    INFO(follow.err());
    CHECK(seen.has_value());
    CHECK(follow.stop() == 0);
    CHECK(rec.stop() == 0);
}

TEST_CASE("replay refuses files that are not records and bad flags - with exit code 2")
{
    TempDir dir;
    std::string text = (dir.path / "notes.txt").string();
    shell("echo 'not a record' > " + text);
    Replay r = replay({text});
    CHECK(r.status == 2);
    CHECK(r.err.find("not a trace-listen record file") != std::string::npos);
    Replay missing = replay({(dir.path / "missing").string()});
    CHECK(missing.status == 2);
    CHECK(missing.err.find("cannot open") != std::string::npos);
    Replay bad_time = replay({text, "--since", "yesterday"});
    CHECK(bad_time.status == 2);
    CHECK(bad_time.err.find("not a time") != std::string::npos);
}

TEST_CASE("a record with the start-up snapshot replays - the snapshot included")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "snap.tlr").string();
    Fd fd = tcp_listener("127.0.0.1", 0); // listening before the record starts
    int port = local_port(fd.get());
    // --port: the snapshot of a busy machine stays small.
    TracerProcess rec({"record", "-w", file, "--duration", "2", "--port", std::to_string(port)},
                      /*wait_ready=*/false);
    REQUIRE(rec.wait(60s) == 0);
    Replay r = replay({file, "-o", "json"});
    INFO(r.err);
    CHECK(r.status == 0); // "unknown kind 0", a damaged stretch and exit 1 before
    CHECK(r.err.find("damaged") != std::string::npos); // the summary line
    CHECK(r.err.find("0 damaged") != std::string::npos);
    auto existing = events_of(r.lines, "socket-existing", getpid());
    REQUIRE(existing.size() == 1);
    CHECK(existing[0]["server"]["port"] == port);
}

TEST_CASE("recording again keeps the last record as FILE.1 - and says so")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "again.tlr").string();
    std::string pid = std::to_string(getpid());
    {
        TracerProcess rec({"record", "-w", file, "--pid", pid, "--no-snapshot"});
        Fd fd = tcp_listener("127.0.0.1", 0);
        REQUIRE(wait_recorded(file, 1));
        REQUIRE(rec.stop() == 0);
    }
    auto first = fs::file_size(file);
    auto first_listens = recorded_listens(file).size();
    TracerProcess again({"record", "-w", file, "--pid", pid, "--no-snapshot"});
    CHECK(again.stop() == 0);
    INFO(again.err());
    CHECK(again.err().find("kept as " + file + ".1") != std::string::npos);
    REQUIRE(fs::exists(file + ".1"));
    CHECK(fs::file_size(file + ".1") == first); // truncated to a header before
    CHECK(recorded_listens(file + ".1").size() == first_listens);

    // No room to keep it (--rotate-count 1): refused, exit 2, nothing touched.
    auto now = fs::file_size(file);
    TracerProcess refused({"record", "-w", file, "--rotate-count", "1", "--no-snapshot"},
                          /*wait_ready=*/false);
    CHECK(refused.wait(60s) == 2);
    CHECK(refused.err().find("never overwritten") != std::string::npos);
    CHECK(fs::file_size(file) == now);
}

TEST_CASE("replay of crafted records shows every good record and reports each bad one")
{
    // Valid checksums, hostile contents: the reader and every output must
    // report damage and go on, never stop or crash.
    TempDir dir;
    std::string file = (dir.path / "crafted.tlr").string();
    auto event = [](std::uint16_t port) {
        tl::Event e;
        e.kind = tl::EventKind::Listen;
        e.model.ts_ns = 1'000'000'000;
        e.model.socket.local = tl::test::ip_address("0.0.0.0");
        e.model.socket.protocol = IPPROTO_TCP;
        e.model.socket.type = SOCK_STREAM;
        e.model.socket.port = port;
        e.model.task.pid = 4242;
        std::strcpy(e.model.task.comm, "crafted");
        e.wall_time_ns = 1'700'000'000'000'000'000;
        return e;
    };
    {
        tl::record::RecordWriter w({file, 0, 1, false});
        w.begin({});
        w.write_raw_frame(tl::record::FrameType::Header,
                          R"({"format":"trace-listen-record","version":2,"host":["x"],"kernel":3})");
        tl::Event overflow = event(1001);
        overflow.model.ts_ns = 0x7fffffffffffffffULL;
        w.write(overflow);
        w.flush(true); // a block of its own: its damage takes nothing else along
        tl::Event outgoing = event(1002); // connected out, but no peer port
        outgoing.kind = tl::EventKind::StateChange;
        outgoing.model.socket.outgoing = true;
        w.write(outgoing);
        w.write(event(1003));
    }
    for (std::string format : {"ecs", "table", "ocsf"}) {
        TracerProcess p({"replay", file, "--events", "bind,listen,close,state", "--sink",
                         "stdout:" + format},
                        /*wait_ready=*/false);
        int status = p.wait(60s);
        INFO(format << "\n" << p.err() << "\n" << p.out());
        CHECK(status == 1); // damage: said on stderr and in the exit status
        CHECK(p.err().find("header field 'host'") != std::string::npos);
        CHECK(p.err().find("not a time since boot") != std::string::npos);
        CHECK(p.err().find("2 damaged") != std::string::npos);
        CHECK(p.out().find("1002") != std::string::npos); // the outgoing one, shown
        CHECK(p.out().find("1003") != std::string::npos); // and what comes after
        CHECK(p.out().find("1001") == std::string::npos);
    }
}

TEST_CASE("replaying an empty file says so")
{
    TempDir dir;
    std::string file = (dir.path / "empty.tlr").string();
    shell("touch " + file);
    Replay r = replay({file});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("is empty") != std::string::npos);
}

TEST_CASE("replay --follow into a pipe whose reader went away ends")
{
    // `replay --follow F -o json | head -1`: head leaves after one line; the
    // replay must notice and end (it waited for the file to grow forever).
    TempDir dir;
    std::string file = (dir.path / "follow-pipe.tlr").string();
    {
        tl::record::RecordWriter w({file, 0, 1, false});
        w.begin({});
        tl::Event e;
        e.kind = tl::EventKind::Listen;
        e.model.socket.local = tl::test::ip_address("0.0.0.0");
        e.model.socket.protocol = IPPROTO_TCP;
        e.model.socket.port = 4321;
        e.wall_time_ns = 1'700'000'000'000'000'000;
        for (int i = 0; i < 3; ++i)
            w.write(e);
    }
    std::string out = try_shell(std::string("bash -c 'timeout 20 ") + tracer_binary() +
                                " replay --follow -o json " + file +
                                " 2>/dev/null | head -1 >/dev/null; echo rc=${PIPESTATUS[0]}'")
                          .value_or("");
    INFO(out);
    CHECK(out.find("rc=0\n") != std::string::npos); // rc=124: killed by timeout before
}

namespace {

// Every JSON event line of this process, keyed by its sequence number, with
// the per-run agent id removed (the replaying process is another run).
std::map<std::uint64_t, Json> ours_by_sequence(const std::vector<Json> &lines)
{
    std::map<std::uint64_t, Json> out;
    for (auto l : lines) {
        if (l.value("/process/pid"_json_pointer, -1) != getpid())
            continue;
        l["agent"].erase("ephemeral_id");
        out.emplace(l["event"]["sequence"].get<std::uint64_t>(), std::move(l));
    }
    return out;
}

} // namespace

TEST_CASE("a recorded burst replays every event exactly as the live trace printed it")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "burst.tlr").string();
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot",
                       "--allow-loss", "--sink", "stdout:json"});
    const int n = 2000;
    std::vector<int> ports;
    for (int i = 0; i < n; ++i) { // socket + bind + listen + close, as fast as it goes
        Fd fd = tcp_listener("127.0.0.1", 0, 4);
        if (i % 100 == 0)
            ports.push_back(local_port(fd.get()));
    }
    REQUIRE(wait_recorded(file, 1));
    std::this_thread::sleep_for(500ms);
    int status = rec.stop();
    INFO(rec.err());
    REQUIRE((status == 0 || status == 3)); // 3: the ring buffer overflowed (counted)
    auto live = ours_by_sequence(rec.json_lines());
    Replay r = replay({file, "-o", "json", "--events", "bind,listen,close,state"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto replayed = ours_by_sequence(r.lines);
    CHECK(live.size() >= static_cast<std::size_t>(n)); // most of the 3 x n got through
    REQUIRE(replayed.size() == live.size());
    std::size_t different = 0;
    for (auto &[sequence, line] : live) {
        auto it = replayed.find(sequence);
        if (it == replayed.end() || it->second != line) {
            if (different++ < 3)
                UNSCOPED_INFO("sequence " << sequence << "\nlive:     " << line.dump()
                                          << "\nreplayed: "
                                          << (it == replayed.end() ? "(none)" : it->second.dump()));
        }
    }
    CHECK(different == 0);
    for (int port : ports) // (an ephemeral port may come round again)
        CHECK(listens_on(r.lines, port).size() >= 1);
    // Hundreds of bytes an event at most (3,283 in format 1).
    auto size = fs::file_size(file);
    INFO(size << " bytes for " << live.size() << " events");
    CHECK(size < 300 * live.size());

    // The recording ended with its seal: the whole file verifies.
    TracerProcess verify({"replay", "--verify", file}, /*wait_ready=*/false);
    CHECK(verify.wait(60s) == 0);
    CHECK(verify.err().find("intact") != std::string::npos);
}

TEST_CASE("replay --verify names the frame that was altered - and checks the heads the logs kept")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "verify.tlr").string();
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot"});
    std::vector<Fd> fds;
    for (int i = 0; i < 3; ++i) {
        fds.push_back(tcp_listener("127.0.0.1", 0));
        REQUIRE(wait_recorded(file, fds.size())); // a block each
    }
    REQUIRE(rec.stop() == 0);
    // The recorder logs every seal's chain head: what a log server keeps.
    std::smatch m;
    std::string err = rec.err();
    REQUIRE(std::regex_search(err, m, std::regex("chain head ([0-9a-f]{64})")));
    std::string head = m[1];

    TracerProcess clean({"replay", "--verify", file, "--head", head}, /*wait_ready=*/false);
    CHECK(clean.wait(60s) == 0);
    INFO(clean.err());
    CHECK(clean.err().find("intact") != std::string::npos);

    TracerProcess other({"replay", "--verify", file, "--head", std::string(64, 'a')},
                        /*wait_ready=*/false);
    CHECK(other.wait(60s) == 1);
    CHECK(other.err().find("is not in") != std::string::npos);

    // Flip one byte in the middle of the file: verify names that frame.
    auto size = fs::file_size(file);
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(static_cast<std::streamoff>(size / 2));
        char c = 0;
        f.read(&c, 1);
        c ^= 0x20;
        f.seekp(static_cast<std::streamoff>(size / 2));
        f.write(&c, 1);
    }
    TracerProcess flipped({"replay", "--verify", file}, /*wait_ready=*/false);
    CHECK(flipped.wait(60s) == 1);
    INFO(flipped.err());
    CHECK(std::regex_search(flipped.err(), std::regex("byte [0-9]+ \\(frame [0-9]+\\)")));
}

TEST_CASE("a record of another format version is refused with a clear message")
{
    TempDir dir;
    std::string file = (dir.path / "future.tlr").string();
    {
        tl::record::RecordWriter w({file, 0, 1, true});
        w.begin({});
    }
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(6);
        f.put(7);
    }
    Replay r = replay({file});
    CHECK(r.status == 2);
    CHECK(r.err.find("record format version 7") != std::string::npos);
    CHECK(r.err.find("reads version 2") != std::string::npos);
    Replay v = replay({"--verify", file});
    CHECK(v.status == 2);
    CHECK(v.err.find("record format version 7") != std::string::npos);
}

namespace {

// The chain-head lines a sink file holds: what a SIEM kept of a recording.
std::vector<Json> sealed_lines(const std::string &sink_file)
{
    std::vector<Json> out;
    std::ifstream in(sink_file);
    std::string line;
    while (std::getline(in, line)) {
        Json doc = Json::parse(line);
        if (doc["event"]["action"] == "record-sealed")
            out.push_back(doc);
    }
    return out;
}

void flip_byte(const std::string &path, std::uint64_t at)
{
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.read(&c, 1);
    c ^= 0x20;
    f.seekp(static_cast<std::streamoff>(at));
    f.write(&c, 1);
}

int verify_status(std::vector<std::string> args, std::string *err = nullptr)
{
    args.insert(args.begin(), {"replay", "--verify"});
    TracerProcess p(args, /*wait_ready=*/false);
    int status = p.wait(60s);
    if (err)
        *err = p.err();
    return status;
}

} // namespace

TEST_CASE("record --sink sends every seal's chain head to the log sinks - and the SIEM's heads "
          "prove the files")
{
    TL_REQUIRE_BPF();
    TempDir dir;
    std::string file = (dir.path / "siem.tlr").string();
    std::string ecs_sink = (dir.path / "siem.json").string();
    std::string table_sink = (dir.path / "siem.txt").string();
    std::string ocsf_sink = (dir.path / "siem-ocsf.json").string();
    // Uncompressed and 4K per file: a few hundred events rotate several times.
    // --allow-loss: a slow build may drop part of the burst; seals are what count.
    TracerProcess rec({"record", "-w", file, "--pid", std::to_string(getpid()), "--no-snapshot",
                       "--no-compress", "--rotate-size", "4K", "--rotate-count", "1000",
                       "--sink", "file:" + ecs_sink + ":ecs", "--sink",
                       "file:" + table_sink + ":table", "--sink", "file:" + ocsf_sink + ":ocsf",
                       "--allow-loss"});
    for (int i = 0; i < 300; ++i)
        tcp_listener("127.0.0.1", 0);
    REQUIRE(wait_recorded(file, 1));
    std::this_thread::sleep_for(500ms);
    REQUIRE(rec.stop() == 0); // the closing seal

    std::vector<Json> seals = sealed_lines(ecs_sink);
    // Validated against docs/schema/ with the rest of the suite's lines.
    for (const auto &path : {ecs_sink, ocsf_sink}) {
        std::stringstream all;
        all << std::ifstream(path).rdbuf();
        keep_json_lines(all.str());
    }
    REQUIRE(seals.size() >= 2);
    // The log says the same as the sinks: one seal, one spdlog line.
    std::string err = rec.err();
    std::size_t logged = 0;
    for (std::size_t at = err.find("record: chain head"); at != std::string::npos;
         at = err.find("record: chain head", at + 1))
        ++logged;
    CHECK(logged == seals.size());

    const Json &last = seals.back()["trace_listen"]["record"];
    CHECK(last["seal_reason"] == "close");
    CHECK(last["file"] == file);
    CHECK(seals.back()["event"]["kind"] == "state");
    CHECK(seals.back()["file"]["path"] == file);
    std::uint64_t newest = last["file_index"];
    REQUIRE(newest >= 1); // it rotated
    std::vector<std::string> files, heads;
    for (std::uint64_t i = newest; i > 0; --i)
        files.push_back(file + "." + std::to_string(i));
    files.push_back(file);
    std::size_t rotations = 0;
    for (const auto &s : seals) {
        const Json &r = s["trace_listen"]["record"];
        REQUIRE(std::regex_match(r["head"].get<std::string>(), std::regex("[0-9a-f]{64}")));
        heads.push_back(r["head"]);
        rotations += r["seal_reason"] == "rotation";
    }
    CHECK(rotations == newest);

    // The table and OCSF sinks carry the same heads.
    {
        std::stringstream table, ocsf;
        table << std::ifstream(table_sink).rdbuf();
        ocsf << std::ifstream(ocsf_sink).rdbuf();
        for (const auto &h : heads) {
            CHECK(table.str().find("chain head " + h) != std::string::npos);
            CHECK(ocsf.str().find("\"head\":\"" + h + "\"") != std::string::npos);
        }
    }

    // Every head the SIEM kept is in the files, one chain through them.
    {
        std::vector<std::string> args = files;
        for (const auto &h : heads) {
            args.push_back("--head");
            args.push_back(h);
        }
        std::string out;
        CHECK(verify_status(args, &out) == 0);
        INFO(out);
        CHECK(out.find("verify: intact") != std::string::npos);
    }

    // One byte flipped in a block of the first rotated file: verify against
    // the head the SIEM has for it names the frame.
    const Json &first = seals.front()["trace_listen"]["record"];
    REQUIRE(first["seal_reason"] == "rotation");
    std::string first_file = file + "." + std::to_string(newest - first["file_index"].get<std::uint64_t>());
    CHECK(verify_status({first_file, "--head", first["head"]}) == 0);
    {
        std::string copy = (dir.path / "flipped.tlr").string();
        fs::copy_file(first_file, copy);
        // Three quarters into the file, before its seal: past the header, in a block.
        flip_byte(copy, first["offset"].get<std::uint64_t>() * 3 / 4);
        std::string out;
        CHECK(verify_status({copy, "--head", first["head"]}, &out) == 1);
        INFO(out);
        std::smatch m;
        REQUIRE(std::regex_search(out, m, std::regex("byte [0-9]+ \\(frame ([0-9]+)\\)")));
        // A block: after the header (frame 1), before the seal.
        CHECK(std::stoull(m[1]) > 1);
        CHECK(std::stoull(m[1]) < first["frame"].get<std::uint64_t>());
        CHECK(out.find("NOT intact") != std::string::npos);
    }

    // The newest file cut where its closing seal began: the SIEM's last head
    // is not in it.
    {
        std::string copy = (dir.path / "cut.tlr").string();
        fs::copy_file(file, copy);
        fs::resize_file(copy, last["offset"].get<std::uint64_t>());
        std::string out;
        CHECK(verify_status({copy, "--head", last["head"]}, &out) == 1);
        INFO(out);
        CHECK(out.find("without the seal") != std::string::npos);
        CHECK(out.find("chain head " + last["head"].get<std::string>() + " is not in") !=
              std::string::npos);
    }
}
