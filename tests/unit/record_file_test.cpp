// The record file: what the writer puts down, the reader gets back exactly;
// damage anywhere is reported with its byte offset and the rest still read.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "format/ecs_document.hpp"
#include "pipeline/line_format.hpp"
#include "record/record_frame.hpp"
#include "record/record_reader.hpp"
#include "record/record_writer.hpp"
#include "record/replay_time.hpp"
#include "support/temp_dir.hpp"

using namespace tl;
using namespace tl::record;
namespace fs = std::filesystem;
using tl::test::TempDir;

namespace {

Event sample_event(std::uint32_t pid, std::uint16_t port)
{
    Event e;
    e.raw.kind = TL_EVENT_LISTEN;
    e.raw.hook = TL_HOOK_SYSCALL_TP;
    e.raw.ts_ns = 123456789;
    e.raw.sock.family = 2;
    e.raw.sock.protocol = 6;
    e.raw.sock.port = port;
    e.raw.sock.cookie = 0xabcdef;
    e.raw.task.pid = pid;
    e.raw.task.ppid = 1;
    std::strcpy(e.raw.task.comm, "srv");
    std::memcpy(e.raw.task.args, "srv\0--port\0\xff\xfe", 14);
    e.raw.task.args_len = 14;
    e.kind = EventKind::Listen;
    e.wall_time_ns = 1'700'000'000'123'456'789;
    e.sequence = pid;
    auto p = std::make_shared<ProcessDetails>();
    p->executable = "/usr/bin/srv";
    p->args = {"srv", "--port", "\xff\xfe"}; // not UTF-8: must survive via the raw bytes
    p->ancestors = {{1, "systemd", "/usr/lib/systemd/systemd"}};
    p->source = EnrichmentSource::Proc;
    e.process = p;
    e.container = std::make_shared<ContainerDetails>(ContainerDetails{"abc", "podman", "", "", "/x"});
    e.verdict = PolicyVerdict{"unexpected", "r1", "high"};
    e.holder_hint = "held by pid 7";
    return e;
}

std::vector<RecordEntry> read_all(const std::string &path, std::vector<RecordDamage> &damage)
{
    RecordReader reader(path, [&](const RecordDamage &d) { damage.push_back(d); });
    std::vector<RecordEntry> out;
    while (auto e = reader.next())
        out.push_back(std::move(*e));
    reader.finish();
    return out;
}

std::size_t count_events(const std::vector<RecordEntry> &entries)
{
    std::size_t n = 0;
    for (auto &e : entries)
        n += std::holds_alternative<Event>(e);
    return n;
}

void write_events(const std::string &path, int n, bool compress, std::uint64_t rotate_size = 0,
                  unsigned rotate_count = 5)
{
    RecordWriter w({path, rotate_size, rotate_count, compress});
    w.begin({{"describe", "test hooks"}});
    for (int i = 1; i <= n; ++i)
        REQUIRE(w.write(FrameType::Event, encode_event(sample_event(i, 8000 + i))));
    DropReport d;
    d.total = 3;
    d.per_cpu = {1, 2};
    d.sequence = 99;
    REQUIRE(w.write(FrameType::Drops, encode_drops(d)));
}

void corrupt_byte(const std::string &path, off_t at)
{
    int fd = ::open(path.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    char c = 0;
    REQUIRE(pread(fd, &c, 1, at) == 1);
    c ^= 0x5a;
    REQUIRE(pwrite(fd, &c, 1, at) == 1);
    ::close(fd);
}

} // namespace

TEST_CASE("record file round trip keeps every field - plain and compressed")
{
    TempDir dir;
    for (bool compress : {false, true}) {
        std::string path = (dir.path / (compress ? "z.tlr" : "p.tlr")).string();
        write_events(path, 3, compress);
        std::vector<RecordDamage> damage;
        auto entries = read_all(path, damage);
        CHECK(damage.empty());
        REQUIRE(entries.size() == 5); // header, 3 events, drops
        auto &h = std::get<RecordHeader>(entries[0]);
        CHECK(h.fields["format"] == "trace-listen-record");
        CHECK(h.fields["hooks"]["describe"] == "test hooks");
        CHECK_FALSE(h.fields["boot_id"].get<std::string>().empty());
        CHECK_FALSE(h.fields["kernel"]["release"].get<std::string>().empty());
        auto &e = std::get<Event>(entries[2]);
        Event want = sample_event(2, 8002);
        CHECK(std::memcmp(&e.raw, &want.raw, sizeof want.raw) == 0);
        CHECK(e.kind == EventKind::Listen);
        CHECK(e.wall_time_ns == want.wall_time_ns);
        CHECK(e.sequence == 2);
        REQUIRE(e.process);
        CHECK(e.process->executable == "/usr/bin/srv");
        CHECK(e.process->ancestors.at(0).name == "systemd");
        CHECK(e.process->source == EnrichmentSource::Proc);
        REQUIRE(e.container);
        CHECK(e.container->id == "abc");
        REQUIRE(e.verdict);
        CHECK(e.verdict->rule_id == "r1");
        CHECK(e.holder_hint == "held by pid 7");
        auto &d = std::get<DropReport>(entries[4]);
        CHECK(d.total == 3);
        CHECK(d.per_cpu == std::vector<std::uint64_t>{1, 2});
    }
}

TEST_CASE("compression makes the record file smaller")
{
    TempDir dir;
    write_events((dir.path / "p").string(), 50, false);
    write_events((dir.path / "z").string(), 50, true);
    auto plain = fs::file_size(dir.path / "p"), packed = fs::file_size(dir.path / "z");
    INFO("plain " << plain << " compressed " << packed);
    CHECK(packed * 2 < plain);
}

TEST_CASE("a record cut short loses only its last partial record and says where")
{
    TempDir dir;
    std::string path = (dir.path / "cut.tlr").string();
    write_events(path, 10, false);
    auto size = fs::file_size(path);
    // Cut inside the last frame (the drop record), as SIGKILL mid-write would.
    fs::resize_file(path, size - 7);
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    CHECK(count_events(entries) == 10);
    REQUIRE(damage.size() == 1);
    CHECK(damage[0].what.find("cut short") != std::string::npos);
    CHECK(damage[0].offset + damage[0].length == size - 7);
    CHECK(damage[0].text().find("byte ") != std::string::npos);
}

TEST_CASE("a flipped byte loses one record - the reader goes on after it")
{
    TempDir dir;
    std::string path = (dir.path / "flip.tlr").string();
    write_events(path, 10, GENERATE(false, true));
    std::vector<RecordDamage> clean;
    auto before = read_all(path, clean);
    REQUIRE(clean.empty());
    auto size = fs::file_size(path);
    SECTION("in a payload") { corrupt_byte(path, static_cast<off_t>(size / 2)); }
    SECTION("in a frame header's length") {
        // Find the 5th frame: scan for magics.
        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::size_t at = 0;
        for (int i = 0; i < 5; ++i)
            at = find_magic(bytes, at + 1);
        corrupt_byte(path, static_cast<off_t>(at + 9));
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    CHECK(count_events(entries) == 9);
    REQUIRE(damage.size() == 1);
    CHECK(damage[0].length > 0);
    CHECK(damage[0].offset > 0);
}

TEST_CASE("rotation keeps a bounded number of files - each starting with a header")
{
    TempDir dir;
    std::string path = (dir.path / "rot.tlr").string();
    write_events(path, 200, false, 16 * 1024, 3);
    CHECK(fs::exists(path));
    CHECK(fs::exists(path + ".1"));
    CHECK(fs::exists(path + ".2"));
    CHECK_FALSE(fs::exists(path + ".3"));
    std::uint64_t last_index = 0;
    for (auto p : {path + ".2", path + ".1", path}) {
        CHECK(fs::file_size(p) <= 16 * 1024);
        std::vector<RecordDamage> damage;
        auto entries = read_all(p, damage);
        CHECK(damage.empty());
        REQUIRE_FALSE(entries.empty());
        auto &h = std::get<RecordHeader>(entries.front());
        auto index = h.fields["file_index"].get<std::uint64_t>();
        CHECK(index > last_index);
        last_index = index;
        CHECK(count_events(entries) > 0);
    }
}

TEST_CASE("a file that is not a record file is refused with a clear error")
{
    TempDir dir;
    std::string path = (dir.path / "text").string();
    std::ofstream(path) << "hello, this is not a record\n";
    CHECK_THROWS_WITH(RecordReader(path, nullptr), Catch::Contains("not a trace-listen record"));
    CHECK_THROWS_WITH(RecordReader((dir.path / "missing").string(), nullptr),
                      Catch::Contains("cannot open"));
    CHECK_THROWS_WITH(RecordReader(dir.path.string(), nullptr), Catch::Contains("directory"));
}

TEST_CASE("a frame with a valid checksum but a hostile payload is damage - not a crash")
{
    TempDir dir;
    std::string path = (dir.path / "hostile").string();
    {
        RecordWriter w({path, 0, 1, false});
        w.begin({});
        w.write(FrameType::Event, "\xff\xff\xff\x7f tiny");        // raw size out of range
        w.write(FrameType::Event, std::string(4, '\0'));            // too short
        w.write(FrameType::Drops, "[1,2]");                        // not an object
        w.write(FrameType::Drops, R"({"per_cpu":"nope"})");        // wrong type
        w.write(FrameType::Header, R"({"format":"other"})");
        w.write(FrameType::Event, encode_event(sample_event(5, 1))); // still read after all that
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    CHECK(damage.size() == 5);
    CHECK(count_events(entries) == 1);
}

TEST_CASE("a full disk loses the records that did not fit - counted - and the file stays clean")
{
    // /dev/full fails every write with ENOSPC.
    RecordWriter w({"/dev/full", 0, 1, false});
    w.begin({});
    CHECK_FALSE(w.write(FrameType::Event, encode_event(sample_event(1, 1))));
    CHECK(w.stats().failed == 2); // the header and the event
}

TEST_CASE("replay time bounds parse RFC 3339 and Unix seconds")
{
    CHECK(parse_time_bound("1970-01-01T00:00:01Z") == 1'000'000'000);
    CHECK(parse_time_bound("2024-05-01T12:00:00.5Z") == 1714564800'500'000'000);
    CHECK(parse_time_bound("2024-05-01T14:00:00+02:00") == 1714564800'000'000'000);
    CHECK(parse_time_bound("2024-05-01 12:00:00") == 1714564800'000'000'000);
    CHECK(parse_time_bound("1714564800.25") == 1714564800'250'000'000);
    CHECK_THROWS_AS(parse_time_bound("yesterday"), std::invalid_argument);
    CHECK_THROWS_AS(parse_time_bound("2024-05-01T12:00:00+2"), std::invalid_argument);
    CHECK_THROWS_AS(parse_time_bound(""), std::invalid_argument);
    CHECK_THROWS_AS(parse_time_bound("2999-01-01T00:00:00Z"), std::invalid_argument); // > int64 ns
}

TEST_CASE("a snapshot event (no kernel kind) replays as socket-existing")
{
    // The start-up snapshot's events have raw.kind 0: "unknown kind 0" before.
    TempDir dir;
    std::string path = (dir.path / "snap").string();
    Event existing = sample_event(7, 22);
    existing.kind = EventKind::Existing;
    existing.raw.kind = 0;
    {
        RecordWriter w({path, 0, 1, false});
        w.begin({});
        REQUIRE(w.write(FrameType::Event, encode_event(existing)));
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    for (auto &d : damage)
        UNSCOPED_INFO(d.text());
    CHECK(damage.empty());
    REQUIRE(count_events(entries) == 1);
    const Event &e = std::get<Event>(entries.back());
    CHECK(e.kind == EventKind::Existing);
    CHECK(e.raw.sock.port == 22);
    CHECK(e.wall_time_ns == existing.wall_time_ns);
}

TEST_CASE("crafted records with valid checksums are damage - the rest is still read")
{
    TempDir dir;
    std::string path = (dir.path / "crafted").string();
    Event far_future = sample_event(3, 3);
    far_future.raw.ts_ns = 0x7fffffffffffffffULL; // overflowed a signed addition (UB)
    {
        RecordWriter w({path, 0, 1, false});
        w.begin({});
        // A header whose fields have the wrong types: replay stopped on it.
        w.write(FrameType::Header, R"({"format":"trace-listen-record","version":1,"host":5,)"
                                   R"("kernel":{"release":7},"hooks":"x","file_index":"one"})");
        w.write(FrameType::Header, R"({"format":7,"version":"1"})");
        w.write(FrameType::Event, encode_event(far_future));
        w.write(FrameType::Event, encode_event(sample_event(5, 1)));
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    for (auto &d : damage)
        UNSCOPED_INFO(d.text());
    REQUIRE(damage.size() == 3);
    CHECK_THAT(damage[0].what, Catch::Contains("header field 'host' is number"));
    CHECK_THAT(damage[1].what, Catch::Contains("header field"));
    CHECK_THAT(damage[2].what, Catch::Contains("not a time since boot"));
    CHECK(count_events(entries) == 1);
}

TEST_CASE("one stretch of garbage is one damage report however long it is")
{
    TempDir dir;
    std::string path = (dir.path / "garbage").string();
    write_events(path, 2, false);
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    // 1 MiB of junk between two copies of the file: four 256 KiB reads.
    std::string junk(1 << 20, 'x');
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << bytes << junk << bytes << junk;
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    INFO(damage.size());
    REQUIRE(damage.size() == 2); // one per stretch: in the middle, and at the end
    CHECK(damage[0].length == junk.size());
    CHECK(damage[0].offset == bytes.size());
    CHECK(damage[1].length == junk.size());
    CHECK(count_events(entries) == 4);
}

TEST_CASE("recording again never destroys the last record")
{
    TempDir dir;
    std::string path = (dir.path / "rec").string();
    write_events(path, 3, false);
    auto first_size = fs::file_size(path);

    write_events(path, 1, false); // the run after a crash, say
    REQUIRE(fs::exists(path + ".1"));
    CHECK(fs::file_size(path + ".1") == first_size);
    std::vector<RecordDamage> damage;
    CHECK(count_events(read_all(path + ".1", damage)) == 3);
    CHECK(count_events(read_all(path, damage)) == 1);
    CHECK(damage.empty());

    // With no room for a backup it refuses, and the file is untouched.
    auto size_now = fs::file_size(path);
    CHECK_THROWS_WITH(RecordWriter({path, 0, 1, false}), Catch::Contains("never overwritten"));
    CHECK(fs::file_size(path) == size_now);
    // Nor when the oldest kept file would have to go.
    CHECK_THROWS_WITH(RecordWriter({path, 0, 2, false}), Catch::Contains("would be deleted"));
    CHECK(fs::file_size(path + ".1") == first_size);

    // Something that is not a record is never renamed or truncated.
    std::string text = (dir.path / "notes.txt").string();
    std::ofstream(text) << "my notes\n";
    CHECK_THROWS_WITH(RecordWriter({text, 0, 5, false}), Catch::Contains("not a trace-listen record"));
    CHECK(fs::file_size(text) == 9);
    CHECK_FALSE(fs::exists(text + ".1"));
}

TEST_CASE("every record fuzzer seed reads - and what it yields every format can show")
{
    // The crafted_* seeds (tests/fuzz/craft_record_corpus.py) have valid
    // checksums and hostile contents: each bad record is damage, the good one
    // after it is still read, and no formatter throws.
    fs::path corpus = fs::path(TRACE_LISTEN_SOURCE_DIR) / "tests/fuzz/corpus/record_reader";
    auto table = make_line_format("table");
    auto ocsf = make_line_format("ocsf");
    std::size_t crafted = 0;
    for (const auto &file : fs::directory_iterator(corpus)) {
        std::string name = file.path().filename().string();
        INFO(name);
        std::vector<RecordDamage> damage;
        std::vector<RecordEntry> entries;
        REQUIRE_NOTHROW(entries = read_all(file.path().string(), damage));
        for (auto &entry : entries)
            if (auto *e = std::get_if<Event>(&entry)) {
                CHECK_NOTHROW(ecs_document(*e));
                CHECK_NOTHROW(table->event(*e));
                CHECK_NOTHROW(ocsf->event(*e));
            }
        if (name.rfind("crafted_", 0) != 0)
            continue;
        ++crafted;
        CHECK(count_events(entries) >= 1); // the good event after the bad records
        if (name == "crafted_header_types.tlr")
            CHECK(damage.size() == 2);
        if (name == "crafted_timestamp.tlr")
            CHECK(damage.size() == 1);
        if (name == "crafted_outgoing_no_peer.tlr") {
            CHECK(damage.empty()); // a kernel may write it: shown, not damage
            CHECK(count_events(entries) == 2);
        }
    }
    CHECK(crafted == 3);
}
