// The record file: what the writer puts down, the reader gets back exactly;
// damage anywhere is reported with its byte offset and the rest still read;
// the hash chain names the first frame altered, removed, moved or cut off.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/event_models.hpp"
#include "support/line_documents.hpp"
#include "pipeline/line_format.hpp"
#include "record/event_codec.hpp"
#include "record/record_frame.hpp"
#include "record/record_reader.hpp"
#include "record/record_verify.hpp"
#include "record/record_writer.hpp"
#include "record/crc32c.hpp"
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
    e.model.hook_id = TL_HOOK_SYSCALL_TP;
    e.model.ts_ns = 123456789;
    e.model.socket.local = test::ip_address("0.0.0.0");
    e.model.socket.protocol = 6;
    e.model.socket.port = port;
    e.model.socket.cookie = 0xabcdef;
    e.model.task.pid = pid;
    e.model.task.ppid = 1;
    std::strcpy(e.model.task.comm, "srv");
    std::memcpy(e.model.task.args, "srv\0--port\0\xff\xfe", 14);
    e.model.task.args_len = 14;
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

std::string read_bytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

void write_bytes(const std::string &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// (offset, size) of every frame of a clean file.
std::vector<std::pair<std::size_t, std::size_t>> frames_of(const std::string &bytes)
{
    std::vector<std::pair<std::size_t, std::size_t>> out;
    auto dctx = make_decompressor();
    std::size_t at = 0;
    while (at < bytes.size()) {
        FrameParse f = parse_frame(std::string_view(bytes).substr(at), dctx.get());
        REQUIRE(f.status == FrameParse::Status::Complete);
        out.emplace_back(at, f.size);
        at += f.size;
    }
    return out;
}

VerifyReport verify(const std::string &path) { return verify_files({path}, {}); }

std::string verify_text(const VerifyReport &r)
{
    std::string out;
    for (auto &l : r.lines)
        out += l + "\n";
    return out;
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

// `block_each`: every record in a block of its own (a frame per record).
void write_events(const std::string &path, int n, bool compress, std::uint64_t rotate_size = 0,
                  unsigned rotate_count = 5, bool block_each = true)
{
    RecordWriter w({path, rotate_size, rotate_count, compress});
    w.begin({{"describe", "test hooks"}});
    for (int i = 1; i <= n; ++i) {
        w.write(sample_event(i, 8000 + i));
        if (block_each)
            w.flush(true);
    }
    DropReport d;
    d.total = 3;
    d.per_cpu = {1, 2};
    d.sequence = 99;
    d.kernel_map_dropped = 4;
    w.write(d);
    w.close();
    REQUIRE(w.stats().failed == 0);
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
        Event holder_event = sample_event(4, 8004);
        holder_event.kind = EventKind::Existing;
        SocketHolder h;
        h.task.pid = 77;
        std::strcpy(h.task.comm, "worker");
        auto hp = std::make_shared<ProcessDetails>(*holder_event.process);
        hp->entity_id = "worker-entity";
        h.process = hp;
        holder_event.extra_holders.push_back(h);
        {
            RecordWriter w({path, 0, 5, compress});
            w.begin({{"describe", "test hooks"}});
            for (int i = 1; i <= 3; ++i)
                w.write(sample_event(i, 8000 + i));
            w.write(holder_event);
            DropReport d;
            d.total = 3;
            d.per_cpu = {1, 2};
            d.sequence = 99;
            d.kernel_map_dropped = 4;
            d.dropped_by_class = {1, 2};
            w.write(d);
        }
        std::vector<RecordDamage> damage;
        auto entries = read_all(path, damage);
        CHECK(damage.empty());
        REQUIRE(entries.size() == 7); // header, 4 events, drops, closing seal
        auto &h0 = std::get<RecordHeader>(entries[0]);
        CHECK(h0.fields["format"] == "trace-listen-record");
        CHECK(h0.fields["version"] == 2);
        CHECK(h0.fields["hooks"]["describe"] == "test hooks");
        CHECK_FALSE(h0.fields["boot_id"].get<std::string>().empty());
        CHECK_FALSE(h0.fields["kernel"]["release"].get<std::string>().empty());
        auto &e = std::get<Event>(entries[2]);
        Event want = sample_event(2, 8002);
        CHECK(test::model_facts(e.model) == test::model_facts(want.model));
        CHECK(e.kind == EventKind::Listen);
        CHECK(e.wall_time_ns == want.wall_time_ns);
        CHECK(e.sequence == 2);
        REQUIRE(e.process);
        CHECK(e.process->executable == "/usr/bin/srv");
        CHECK(e.process->args == want.process->args); // bytes that are not UTF-8 kept exactly
        CHECK(e.process->ancestors.at(0).name == "systemd");
        CHECK(e.process->source == EnrichmentSource::Proc);
        REQUIRE(e.container);
        CHECK(e.container->id == "abc");
        CHECK(e.container->runtime == "podman");
        REQUIRE(e.verdict);
        CHECK(e.verdict->rule_id == "r1");
        CHECK(e.holder_hint == "held by pid 7");
        auto &x = std::get<Event>(entries[4]);
        CHECK(x.kind == EventKind::Existing);
        CHECK(test::model_facts(x.model) == test::model_facts(holder_event.model));
        REQUIRE(x.extra_holders.size() == 1);
        CHECK(x.extra_holders[0].task.pid == 77);
        CHECK(std::string(x.extra_holders[0].task.comm) == "worker");
        REQUIRE(x.extra_holders[0].process);
        CHECK(x.extra_holders[0].process->entity_id == "worker-entity");
        auto &d = std::get<DropReport>(entries[5]);
        CHECK(d.total == 3);
        CHECK(d.per_cpu == std::vector<std::uint64_t>{1, 2});
        CHECK(d.kernel_map_dropped == 4);
        CHECK(d.dropped_by_class[1] == 2);
        CHECK(std::get<Seal>(entries[6]).reason == SealReason::Close);
        // Every output format shows the replayed event as it shows the original.
        for (std::string f : {"json", "ocsf", "table"}) {
            auto format = make_line_format(f);
            CHECK(format->event(e) == format->event(want));
        }
    }
}

TEST_CASE("stale bytes after a string's end are not recorded")
{
    TempDir dir;
    std::string path = (dir.path / "stale.tlr").string();
    Event e = sample_event(1, 80);
    // What a reused ring-buffer slot may hold after a shorter name's NUL.
    std::memcpy(e.model.task.comm + 4, "STALEBYTES", 10);
    std::memcpy(e.model.task.args + 14, "OLDARGUMENTS", 12);
    std::memcpy(e.model.socket.local.bytes + 4, "\x01\x02\x03\x04", 4); // IPv4: 4 bytes are the address
    {
        RecordWriter w({path, 0, 1, false});
        w.write(e);
    }
    std::string bytes = read_bytes(path);
    CHECK(bytes.find("STALE") == std::string::npos);
    CHECK(bytes.find("OLDARG") == std::string::npos);
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    REQUIRE(count_events(entries) == 1);
    const Event &back = std::get<Event>(entries[1]);
    CHECK(std::string(back.model.task.comm) == "srv");
    CHECK(back.model.task.comm[4] == 0);
    CHECK(back.model.socket.local.bytes[4] == 0);
    CHECK(back.model.task.args_len == 14);
}

TEST_CASE("process details are written once per file and referenced afterwards")
{
    TempDir dir;
    std::string path = (dir.path / "once.tlr").string();
    write_events(path, 500, /*compress=*/false, 0, 5, /*block_each=*/false);
    std::string bytes = read_bytes(path);
    auto count = [](const std::string &hay, const std::string &needle) {
        std::size_t n = 0;
        for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1))
            ++n;
        return n;
    };
    CHECK(count(bytes, "/usr/lib/systemd/systemd") == 1);
    CHECK(count(bytes, "/usr/bin/srv") == 1);
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    CHECK(damage.empty());
    REQUIRE(count_events(entries) == 500);
    for (auto &entry : entries)
        if (auto *e = std::get_if<Event>(&entry)) {
            REQUIRE(e->process);
            CHECK(e->process->executable == "/usr/bin/srv");
        }
    // Each rotated file defines what it uses: a file read alone has it all.
    std::string rot = (dir.path / "rot.tlr").string();
    write_events(rot, 300, false, 8 * 1024, 10, false);
    REQUIRE(fs::exists(rot + ".1"));
    for (auto p : {rot + ".1", rot}) {
        INFO(p);
        CHECK(count(read_bytes(p), "/usr/bin/srv") == 1);
        std::vector<RecordDamage> d;
        auto es = read_all(p, d);
        CHECK(d.empty());
        for (auto &entry : es)
            if (auto *e = std::get_if<Event>(&entry))
                CHECK(e->process);
    }
}

TEST_CASE("an event whose process definition was lost is shown without it - and that is said")
{
    TempDir dir;
    std::string path = (dir.path / "lost.tlr").string();
    write_events(path, 3, false); // a block per event: the first defines the process
    std::string bytes = read_bytes(path);
    auto frames = frames_of(bytes);
    corrupt_byte(path, static_cast<off_t>(frames[1].first + frames[1].second - 3));
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    REQUIRE(count_events(entries) == 2);
    for (auto &entry : entries)
        if (auto *e = std::get_if<Event>(&entry))
            CHECK_FALSE(e->process); // never another process's details
    // The lost block, then each later event missing its process and its container.
    REQUIRE(damage.size() == 5);
    CHECK_THAT(damage[1].what, Catch::Contains("not defined before it is used"));
}

TEST_CASE("definition tables start again when full - every event keeps its own process")
{
    TempDir dir;
    std::string path = (dir.path / "many.tlr").string();
    const int n = static_cast<int>(max_table_entries) + 100;
    {
        RecordWriter w({path, 0, 1, true});
        for (int i = 0; i < n; ++i) {
            Event e = sample_event(static_cast<std::uint32_t>(i), 1);
            auto p = std::make_shared<ProcessDetails>(*e.process);
            p->entity_id = "entity-" + std::to_string(i);
            e.process = p;
            w.write(e);
            if (i % 1000 == 999)
                w.flush(true);
        }
    }
    std::vector<RecordDamage> damage;
    RecordReader reader(path, [&](const RecordDamage &d) { damage.push_back(d); });
    int seen = 0;
    while (auto entry = reader.next())
        if (auto *e = std::get_if<Event>(&*entry)) {
            REQUIRE(e->process);
            REQUIRE(e->process->entity_id == "entity-" + std::to_string(e->model.task.pid));
            ++seen;
        }
    reader.finish();
    CHECK(damage.empty());
    CHECK(seen == n);
}

TEST_CASE("compression makes the record file smaller")
{
    TempDir dir;
    write_events((dir.path / "p").string(), 200, false, 0, 5, false);
    write_events((dir.path / "z").string(), 200, true, 0, 5, false);
    auto plain = fs::file_size(dir.path / "p"), packed = fs::file_size(dir.path / "z");
    INFO("plain " << plain << " compressed " << packed);
    CHECK(packed * 2 < plain);
}

TEST_CASE("a record cut at any byte of its last frames replays every whole frame - verify says where it was cut")
{
    TempDir dir;
    std::string path = (dir.path / "whole.tlr").string();
    write_events(path, 10, GENERATE(false, true));
    std::string bytes = read_bytes(path);
    auto frames = frames_of(bytes);
    REQUIRE(frames.size() == 13); // header, 10 event blocks, the drop block, the closing seal
    REQUIRE(verify(path).ok);
    std::string cut = (dir.path / "cut.tlr").string();
    // Every offset inside the drop block and the seal after it.
    for (std::size_t f = frames.size() - 2; f < frames.size(); ++f) {
        for (std::size_t at = frames[f].first; at < frames[f].first + frames[f].second; ++at) {
            INFO("frame " << f + 1 << " cut at byte " << at);
            write_bytes(cut, bytes.substr(0, at));
            std::vector<RecordDamage> damage;
            auto entries = read_all(cut, damage);
            CHECK(count_events(entries) == 10);
            std::size_t drops = 0;
            for (auto &e : entries)
                drops += std::holds_alternative<DropReport>(e);
            CHECK(drops == (f == frames.size() - 1 ? 1u : 0u));
            VerifyReport v = verify(cut);
            CHECK_FALSE(v.ok);
            std::string said = verify_text(v);
            if (at == frames[f].first) { // cut on a frame boundary: whole frames missing
                CHECK(damage.empty());
                CHECK_THAT(said, Catch::Contains("without the seal"));
                CHECK_THAT(said, Catch::Contains("ends after frame " + std::to_string(f)));
            } else {
                REQUIRE(damage.size() == 1);
                CHECK_THAT(damage[0].what, Catch::Contains("cut short"));
                CHECK(damage[0].offset == frames[f].first);
                CHECK_THAT(said, Catch::Contains("byte " + std::to_string(frames[f].first) +
                                                 " (frame " + std::to_string(f + 1) + ")"));
                CHECK_THAT(said, Catch::Contains("cut short"));
            }
        }
    }
}

TEST_CASE("a flipped byte loses one record - the reader goes on after it - and verify names the frame")
{
    TempDir dir;
    std::string path = (dir.path / "flip.tlr").string();
    write_events(path, 10, GENERATE(false, true));
    std::vector<RecordDamage> clean;
    auto before = read_all(path, clean);
    REQUIRE(clean.empty());
    auto frames = frames_of(read_bytes(path));
    std::size_t frame = 5; // 1-based: the 4th event's block
    SECTION("in a payload")
    {
        corrupt_byte(path, static_cast<off_t>(frames[frame - 1].first + frame_header_size + 2));
    }
    SECTION("in a frame header's length")
    {
        corrupt_byte(path, static_cast<off_t>(frames[frame - 1].first + 9));
    }
    SECTION("in a frame's chain link")
    {
        corrupt_byte(path, static_cast<off_t>(frames[frame - 1].first + 20));
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    CHECK(count_events(entries) == 9);
    REQUIRE(damage.size() == 1);
    CHECK(damage[0].length > 0);
    CHECK(damage[0].offset == frames[frame - 1].first);
    VerifyReport v = verify(path);
    CHECK_FALSE(v.ok);
    CHECK_THAT(verify_text(v), Catch::Contains("byte " + std::to_string(frames[frame - 1].first)));
}

TEST_CASE("a removed or moved frame breaks the chain where it happened - verify names it")
{
    TempDir dir;
    std::string path = (dir.path / "chain.tlr").string();
    write_events(path, 10, true);
    std::string bytes = read_bytes(path);
    auto frames = frames_of(bytes);
    auto frame_bytes = [&](std::size_t i) { // 1-based
        return bytes.substr(frames[i - 1].first, frames[i - 1].second);
    };
    std::string altered;
    std::size_t named = 0; // the frame verify must name, 1-based, in the altered file
    SECTION("removed")
    {
        for (std::size_t i = 1; i <= frames.size(); ++i)
            if (i != 6)
                altered += frame_bytes(i);
        named = 6; // the frame after the removed one now stands there
    }
    SECTION("two swapped")
    {
        for (std::size_t i = 1; i <= frames.size(); ++i)
            altered += frame_bytes(i == 6 ? 7 : i == 7 ? 6 : i);
        named = 6;
    }
    SECTION("one copied in twice")
    {
        for (std::size_t i = 1; i <= frames.size(); ++i) {
            altered += frame_bytes(i);
            if (i == 4)
                altered += frame_bytes(3);
        }
        named = 5;
    }
    write_bytes(path, altered);
    auto now = frames_of(altered);
    std::vector<RecordDamage> damage;
    read_all(path, damage);
    REQUIRE_FALSE(damage.empty());
    CHECK(damage[0].frame == named);
    CHECK(damage[0].offset == now[named - 1].first);
    CHECK_THAT(damage[0].what, Catch::Contains("chain broken"));
    VerifyReport v = verify(path);
    CHECK_FALSE(v.ok);
    CHECK_THAT(verify_text(v), Catch::Contains("(frame " + std::to_string(named) + "): chain broken"));
}

TEST_CASE("the start of a file cut off is found by verify")
{
    TempDir dir;
    std::string path = (dir.path / "start.tlr").string();
    write_events(path, 5, false);
    std::string bytes = read_bytes(path);
    auto frames = frames_of(bytes);
    write_bytes(path, bytes.substr(frames[2].first));
    VerifyReport v = verify(path);
    CHECK_FALSE(v.ok);
    CHECK_THAT(verify_text(v), Catch::Contains("does not start with its header"));
}

TEST_CASE("a clean record verifies - seals publish heads a verifier finds in the file")
{
    TempDir dir;
    std::string path = (dir.path / "sealed.tlr").string();
    std::vector<ChainHeadNotice> notes;
    {
        WriterOptions o{path, 0, 1, true};
        o.seal_interval = std::chrono::seconds(0); // a seal at every flush with new frames
        RecordWriter w(o);
        w.on_seal([&](const ChainHeadNotice &n) { notes.push_back(n); });
        for (int i = 1; i <= 3; ++i) {
            w.write(sample_event(i, 80));
            w.flush(true);
        }
    }
    REQUIRE(notes.size() == 4); // one per flush, and the closing one
    CHECK(notes.back().reason == "close");
    CHECK(notes.front().reason == "minute");
    CHECK(notes.back().records == 3);
    std::vector<ChainHash> heads;
    for (auto &n : notes) {
        ChainHash h{};
        REQUIRE(from_hex(n.head, h));
        heads.push_back(h);
    }
    VerifyReport v = verify_files({path}, heads);
    INFO(verify_text(v));
    CHECK(v.ok);
    CHECK_THAT(verify_text(v), Catch::Contains("intact"));
    CHECK(v.records == 3);
    // The same recording made again (a rewrite with a fresh chain) does not
    // hold the heads the logs kept.
    fs::rename(path, path + ".old");
    {
        RecordWriter w({path, 0, 1, true});
        for (int i = 1; i <= 3; ++i)
            w.write(sample_event(i, 81));
    }
    CHECK(verify(path).ok);
    VerifyReport forged = verify_files({path}, heads);
    CHECK_FALSE(forged.ok);
    CHECK_THAT(verify_text(forged), Catch::Contains("is not in"));
}

TEST_CASE("rotation keeps a bounded number of files - each starting with a header - one chain")
{
    TempDir dir;
    std::string path = (dir.path / "rot.tlr").string();
    std::vector<ChainHeadNotice> notes;
    {
        RecordWriter w({path, 16 * 1024, 3, false});
        w.on_seal([&](const ChainHeadNotice &n) { notes.push_back(n); });
        w.begin({{"describe", "test hooks"}});
        for (int i = 1; i <= 400; ++i) {
            w.write(sample_event(i, 8000));
            w.flush(true);
        }
    }
    CHECK(fs::exists(path));
    CHECK(fs::exists(path + ".1"));
    CHECK(fs::exists(path + ".2"));
    CHECK_FALSE(fs::exists(path + ".3"));
    std::size_t rotations = 0;
    for (auto &n : notes)
        rotations += n.reason == "rotation";
    CHECK(rotations >= 3);
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
    VerifyReport all = verify_files({path + ".2", path + ".1", path}, {});
    INFO(verify_text(all));
    CHECK(all.ok);
    VerifyReport gap = verify_files({path + ".2", path}, {});
    CHECK_FALSE(gap.ok);
    CHECK_THAT(verify_text(gap), Catch::Contains("does not continue"));
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

TEST_CASE("a record of another format version is refused with a clear error")
{
    TempDir dir;
    std::string path = (dir.path / "v.tlr").string();
    SECTION("a newer version")
    {
        write_events(path, 1, true);
        std::string bytes = read_bytes(path);
        bytes[6] = 9;
        write_bytes(path, bytes);
        CHECK_THROWS_WITH(RecordReader(path, nullptr),
                          Catch::Contains("record format version 9") &&
                              Catch::Contains("reads version 2"));
    }
    SECTION("version 1, as trace-listen wrote it before")
    {
        // Format 1's frame: magic, type, flags, 2 zero bytes, length, CRCs.
        std::string payload = R"({"format":"trace-listen-record","version":1})";
        std::string frame = std::string("TLRF\x01\x00\x00\x00", 8);
        auto put = [&](std::uint32_t v) {
            for (int i = 0; i < 4; ++i)
                frame.push_back(static_cast<char>(v >> (8 * i)));
        };
        put(static_cast<std::uint32_t>(payload.size()));
        put(crc32c(payload.data(), payload.size()));
        put(crc32c(frame.data(), 16));
        write_bytes(path, frame + payload);
        CHECK_THROWS_WITH(RecordReader(path, nullptr), Catch::Contains("record format version 1"));
    }
}

TEST_CASE("a frame with a valid checksum but a hostile payload is damage - not a crash")
{
    TempDir dir;
    std::string path = (dir.path / "hostile").string();
    {
        RecordWriter w({path, 0, 1, false});
        w.begin({});
        w.write_raw_frame(FrameType::Block, std::string("\x00\x63 tiny", 7)); // unknown record tag
        w.write_raw_frame(FrameType::Block, std::string("\x00\x01", 2));      // ends inside an event
        w.write_raw_frame(FrameType::Block, "\x00\x03\xff\xff\xff\xff\x0f");  // process number out of range
        w.write_raw_frame(FrameType::Seal, "[1,2]");                         // no such seal reason
        w.write_raw_frame(FrameType::Header, R"({"format":"other"})");
        BlockEncoder good;
        good.add(sample_event(5, 1));
        w.write_raw_frame(FrameType::Block, good.payload()); // still read after all that
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    for (auto &d : damage)
        UNSCOPED_INFO(d.text());
    CHECK(damage.size() == 5);
    CHECK(count_events(entries) == 1);
}

TEST_CASE("a full disk loses the records that did not fit - counted - and the file stays clean")
{
    // /dev/full fails every write with ENOSPC.
    RecordWriter w({"/dev/full", 0, 1, false});
    w.begin({});
    w.write(sample_event(1, 1));
    w.write(sample_event(2, 1));
    w.close();
    CHECK(w.stats().failed == 2);
    CHECK(w.stats().records == 0);
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
    // The start-up snapshot's events have no kernel kind (0): "unknown kind 0" before.
    TempDir dir;
    std::string path = (dir.path / "snap").string();
    Event existing = sample_event(7, 22);
    existing.kind = EventKind::Existing;
    {
        RecordWriter w({path, 0, 1, false});
        w.begin({});
        w.write(existing);
    }
    std::vector<RecordDamage> damage;
    auto entries = read_all(path, damage);
    for (auto &d : damage)
        UNSCOPED_INFO(d.text());
    CHECK(damage.empty());
    REQUIRE(count_events(entries) == 1);
    const Event &e = std::get<Event>(entries[1]);
    CHECK(e.kind == EventKind::Existing);
    CHECK(e.model.socket.port == 22);
    CHECK(e.wall_time_ns == existing.wall_time_ns);
}

TEST_CASE("crafted records with valid checksums are damage - the rest is still read")
{
    TempDir dir;
    std::string path = (dir.path / "crafted").string();
    Event far_future = sample_event(3, 3);
    far_future.model.ts_ns = 0x7fffffffffffffffULL; // overflowed a signed addition (UB)
    {
        RecordWriter w({path, 0, 1, false});
        w.begin({});
        // A header whose fields have the wrong types: replay stopped on it.
        w.write_raw_frame(FrameType::Header,
                          R"({"format":"trace-listen-record","version":2,"host":5,)"
                          R"("kernel":{"release":7},"hooks":"x","file_index":"one"})");
        w.write_raw_frame(FrameType::Header, R"({"format":7,"version":"1"})");
        w.write(far_future);
        w.flush(true);
        w.write(sample_event(5, 1));
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
    std::string bytes = read_bytes(path);
    // 1 MiB of junk between two copies of the file: four 256 KiB reads.
    std::string junk(1 << 20, 'x');
    write_bytes(path, bytes + junk + bytes + junk);
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
        for (auto &d : damage)
            UNSCOPED_INFO(d.text());
        for (auto &entry : entries)
            if (auto *e = std::get_if<Event>(&entry)) {
                CHECK_NOTHROW(ecs_document(*e));
                CHECK_NOTHROW(table->event(*e));
                CHECK_NOTHROW(ocsf->event(*e));
            }
        if (name == "plain.tlr" || name == "compressed.tlr") {
            CHECK(damage.empty());
            CHECK(count_events(entries) >= 1);
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
            REQUIRE(count_events(entries) >= 2);
            const Event &outgoing = std::get<Event>(entries[1]);
            CHECK(outgoing.kind == EventKind::StateChange);
            CHECK(outgoing.model.socket.port == 8080);
            CHECK(outgoing.model.socket.peer_port == 0);
        }
    }
    CHECK(crafted == 3);
}

TEST_CASE("a recorded event whose kind and kernel kind disagree is damage - not a guess")
{
    Event e;
    e.kind = EventKind::Listen;
    e.model.ts_ns = 1'000'000'000;
    e.model.socket.local = test::ip_address("127.0.0.1");
    e.model.socket.protocol = IPPROTO_TCP;
    e.model.socket.port = 8080;
    e.model.task.pid = 7;
    BlockEncoder encoder;
    encoder.add(e);
    std::string payload = encoder.payload();
    // generation 0, then the event: tag 1, kind 1 (listen).
    REQUIRE(payload.substr(0, 3) == std::string("\x00\x01\x01", 3));

    std::vector<RecordEntry> out;
    std::vector<std::string> problems;
    BlockDecoder decoder;
    CHECK(decoder.decode(payload, out, problems).empty());
    REQUIRE(out.size() == 1);
    CHECK(std::get<Event>(out[0]).kind == EventKind::Listen);
    CHECK(std::get<Event>(out[0]).model.socket.local.text() == "127.0.0.1");

    payload[2] = 0; // says bind; the kernel kind still says listen
    out.clear();
    std::string error = BlockDecoder().decode(payload, out, problems);
    CHECK_THAT(error, Catch::Contains("kernel kind 2 does not go with event kind 0"));
    CHECK(out.empty());
}
