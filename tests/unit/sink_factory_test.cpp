// --sink parsing, the queued sink's bounds and retries, and file rotation,
// with real files in a temporary directory.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "sink/file_sink.hpp"
#include "format/json_format.hpp"
#include "metrics/metrics_text.hpp"
#include "sink/queued_sink.hpp"
#include "sink/sink_factory.hpp"
#include "siem_test_events.hpp"
#include "support/temp_dir.hpp"

using namespace tl;
using namespace std::chrono_literals;
using tl::test::siem_event;
namespace fs = std::filesystem;
using tl::test::TempDir;

namespace {

// A destination that is away until opened, and records what it received.
class GateTransport final : public Transport {
public:
    std::atomic<bool> open{false};
    std::atomic<int> attempts{0};
    std::vector<std::string> received; // read only after drain()
    SendResult send(const std::string &record) override
    {
        ++attempts;
        if (!open)
            return SendResult::RetryLater;
        received.push_back(record);
        return SendResult::Delivered;
    }
    std::string last_error() const override { return "gate closed"; }
};

class TextEncoder final : public Encoder {
public:
    std::string encode(const Event &e) const override { return std::to_string(e.model.socket.port); }
    std::string encode(const DropReport &) const override { return "drops"; }
    std::string encode(const ChainHeadNotice &n) const override { return "head " + n.head; }
};

} // namespace

TEST_CASE("sink specs: type - target - format and trailing options")
{
    auto s = parse_sink_spec("file:/var/log/tl.json:ocsf,max-size=10M,backups=3");
    CHECK(s.type == "file");
    CHECK(s.target == "/var/log/tl.json");
    CHECK(s.format == "ocsf");
    CHECK(s.options == decltype(s.options){{"max-size", "10M"}, {"backups", "3"}});

    s = parse_sink_spec("syslog+tcp://127.0.0.1:6514:ecs");
    CHECK(s.type == "syslog+tcp");
    CHECK(s.target == "//127.0.0.1:6514");
    CHECK(s.format == "ecs");

    s = parse_sink_spec("syslog+udp://[::1]:514");
    CHECK(s.target == "//[::1]:514");
    CHECK(s.format.empty());

    s = parse_sink_spec("syslog");
    CHECK(s.type == "syslog+unix");
    CHECK(s.target == "///dev/log");

    s = parse_sink_spec("stdout:table");
    CHECK(s.type == "stdout");
    CHECK(s.format == "table");

    s = parse_sink_spec("file:/tmp/a,b.log"); // a comma in a path is not an option
    CHECK(s.target == "/tmp/a,b.log");
}

TEST_CASE("sink spec errors name the spec and what is wrong")
{
    using Catch::Contains;
    CHECK_THROWS_WITH(make_sinks({"kafka://x"}, "table"), Contains("unknown sink type 'kafka"));
    CHECK_THROWS_WITH(make_sinks({"file:/tmp/x,colour=red"}, "table"),
                      Contains("unknown option 'colour'"));
    CHECK_THROWS_WITH(make_sinks({"syslog+tcp://:514"}, "table"), Contains("needs a host"));
    CHECK_THROWS_WITH(make_sinks({"syslog+udp://h:99999"}, "table"), Contains("bad port"));
    CHECK_THROWS_WITH(make_sinks({"syslog+tcp://h,max-size=1M"}, "table"),
                      Contains("max-size does not apply"));
    CHECK_THROWS_WITH(make_sinks({"file:/nonexistent-dir/x.json"}, "table"),
                      Contains("cannot open /nonexistent-dir/x.json"));
    CHECK_THROWS_WITH(make_sinks({"file:/tmp/x.json,max-size=5Q"}, "table"),
                      Contains("unknown unit"));
    CHECK_THROWS_WITH(make_sinks({"stdout:xml"}, "table"), Contains("unknown format 'xml'"));
    CHECK_THROWS_WITH(make_sinks({"stdout:/x"}, "table"), Contains("stdout takes no target"));
    CHECK_THROWS_WITH(make_sinks({"syslog+tcp://h,facility=nope"}, "table"),
                      Contains("unknown syslog facility"));
}

TEST_CASE("hostile sink specs are errors, never other files or other sizes")
{
    using Catch::Contains;
    TempDir dir;
    std::string path = (dir.path / "x.json").string();
    // "file::" used to create a file named ':'.
    CHECK_THROWS_WITH(make_sinks({"file::"}, "table"), Contains("--sink 'file::'"));
    CHECK_THROWS(make_sinks({"file:::"}, "table"));
    // A mistyped format used to become part of the file name.
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ":tabel"}, "table"),
                      Contains("unknown format 'tabel'"));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ":"}, "table"), Contains("after the last ':'"));
    CHECK_THROWS_WITH(make_sinks({"syslog+udp://127.0.0.1:514:jsno"}, "table"),
                      Contains("unknown format 'jsno'"));
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 0);
    // Sizes never wrap: -1 was 2^64-1, 17179869184G (2^64) was 0 (never rotate).
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",max-size=-1"}, "table"),
                      Contains("max-size=-1: '-1' is not a size"));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",max-size=-5M"}, "table"),
                      Contains("not a size"));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",max-size=17179869184G"}, "table"),
                      Contains("too large"));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",max-size=99999999999999999999999"}, "table"),
                      Contains("too large"));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",backups=-1"}, "table"),
                      Contains("backups=-1"));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",queue=18446744073709551617"}, "table"),
                      Contains("queue="));
    CHECK_THROWS_WITH(make_sinks({"file:" + path + ",max-size="}, "table"), Contains("not a size"));
    // Units as every other size flag: G and T too.
    CHECK_NOTHROW(make_sinks({"file:" + path + ":ecs,max-size=1G,backups=0"}, "table"));
    // A path with colons still works when the format is spelled out.
    auto s = parse_sink_spec("file:/tmp/a:b:ecs");
    CHECK(s.target == "/tmp/a:b");
    CHECK(s.format == "ecs");
    s = parse_sink_spec("file:/tmp/a:b.json");
    CHECK(s.target == "/tmp/a:b.json");
    CHECK(s.format.empty());
}

TEST_CASE("queued sink: a dead destination never blocks the writer - overflow is counted")
{
    auto gate = std::make_unique<GateTransport>();
    GateTransport *g = gate.get();
    QueueOptions q;
    q.capacity = 10;
    q.min_backoff = 5ms;
    q.max_backoff = 20ms;
    QueuedSink sink("test", std::make_unique<TextEncoder>(), std::move(gate), q);

    for (int i = 1; i <= 25; ++i)
        sink.write(siem_event(EventKind::Listen, static_cast<std::uint16_t>(i)));
    CHECK(sink.depth() == 10);
    CHECK(sink.stats().dropped == 15);
    while (g->attempts < 2) // it keeps retrying while the destination is away
        std::this_thread::sleep_for(5ms);
    CHECK(sink.stats().written == 0);
    CHECK(sink.stats().errors >= 2);

    g->open = true; // the destination comes back: what the queue held goes out, in order
    CHECK(sink.drain(30s) == 0);
    CHECK(sink.stats().written == 10);
    CHECK(sink.depth() == 0);
    std::vector<std::string> expected;
    for (int i = 1; i <= 10; ++i)
        expected.push_back(std::to_string(i));
    CHECK(g->received == expected);
}

TEST_CASE("queued sink: drain gives up after its bound and counts what was left")
{
    auto gate = std::make_unique<GateTransport>();
    QueueOptions q;
    q.capacity = 100;
    q.min_backoff = 5ms;
    q.drain_timeout = 50ms;
    QueuedSink sink("test", std::make_unique<TextEncoder>(), std::move(gate), q);
    for (int i = 0; i < 7; ++i)
        sink.write(siem_event(EventKind::Listen, 1));
    CHECK(sink.drain(50ms) == 7);
    CHECK(sink.stats().dropped == 7);
    CHECK(sink.depth() == 0);
}

TEST_CASE("file sink rotates by size - keeps the bounded number of backups - splits no record")
{
    TempDir dir;
    std::string path = (dir.path / "events.json").string();
    FileRotation rotation{4096, 3};
    auto sink = make_file_sink(path, std::make_unique<JsonFormat>(), rotation, {});
    const int events = 200;
    for (int i = 1; i <= events; ++i) {
        Event e = siem_event(EventKind::Listen, static_cast<std::uint16_t>(i));
        e.sequence = static_cast<std::uint64_t>(i);
        sink->write(e);
    }
    REQUIRE(sink->drain(30s) == 0);
    CHECK(sink->stats().written == events);

    std::set<std::uint64_t> seen;
    int files = 0;
    for (const auto &entry : fs::directory_iterator(dir.path)) {
        ++files;
        INFO(entry.path());
        CHECK(fs::file_size(entry.path()) <= 4096);
        std::ifstream in(entry.path());
        std::string content((std::istreambuf_iterator<char>(in)), {});
        CHECK(content.back() == '\n');
        std::istringstream lines(content);
        std::string line;
        while (std::getline(lines, line))
            seen.insert(nlohmann::json::parse(line)["event"]["sequence"].get<std::uint64_t>());
    }
    CHECK(files == 4); // events.json + .1 .2 .3: older ones were removed
    REQUIRE(!seen.empty());
    // The newest records are all there, contiguous up to the last one.
    CHECK(*seen.rbegin() == events);
    CHECK(*seen.rbegin() - *seen.begin() + 1 == seen.size());
}

TEST_CASE("file sink reopens the path after it was moved away (logrotate)")
{
    TempDir dir;
    std::string path = (dir.path / "tl.log").string();
    auto sink = make_file_sink(path, std::make_unique<JsonFormat>(), FileRotation{0, 0}, {});
    sink->write(siem_event(EventKind::Listen, 1));
    REQUIRE(sink->drain(30s) == 0);
    fs::rename(path, path + ".moved");
    sink->reopen();
    sink->write(siem_event(EventKind::Listen, 2));
    REQUIRE(sink->drain(30s) == 0);
    auto lines_in = [](const std::string &p) {
        std::ifstream in(p);
        return static_cast<int>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
    };
    CHECK(lines_in(path + ".moved") == 1);
    CHECK(lines_in(path) == 1);
}

TEST_CASE("Prometheus label values escape backslash - quote and newline")
{
    CHECK(prometheus_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    MetricsSnapshot s;
    s.sinks.push_back({"syslog+tcp://h:1", {3, 2, 1}, true, 4, 10});
    std::string text = prometheus_text(s);
    CHECK(text.find("trace_listen_sink_queue_depth{sink=\"syslog+tcp://h:1\"} 4\n") !=
          std::string::npos);
    CHECK(text.find("trace_listen_dropped_total{cause=\"sink\"} 2\n") != std::string::npos);
}
