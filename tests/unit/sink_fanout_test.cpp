// Format once per (event, format): every sink that writes a format gets the
// same bytes from one formatting (issue 11).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "format/json_format.hpp"
#include "pipeline/line_format.hpp"
#include "pipeline/sink.hpp"
#include "siem_test_events.hpp"
#include "sink/file_sink.hpp"
#include "support/temp_dir.hpp"

using namespace tl;
using tl::test::siem_event;

namespace {

// The ECS format, counting how often it formats an event.
class CountingEcs final : public LineFormat {
public:
    explicit CountingEcs(int &count) : LineFormat("ecs"), count_(count) {}
    void write_event(std::string &out, const Event &event) const override
    {
        ++count_;
        JsonFormat().write_event(out, event);
    }
    void write_drops(std::string &out, const DropReport &report) const override
    {
        JsonFormat().write_drops(out, report);
    }
    void write_chain_head(std::string &out, const ChainHeadNotice &notice) const override
    {
        JsonFormat().write_chain_head(out, notice);
    }

private:
    int &count_;
};

std::string read_file(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("three ECS sinks of one event cost one formatting and get the same bytes")
{
    tl::test::TempDir dir;
    int formatted = 0;
    std::vector<std::unique_ptr<Sink>> sinks;
    std::vector<std::string> paths;
    for (int i = 0; i < 2; ++i) {
        paths.push_back(dir.path.string() + "/out" + std::to_string(i));
        sinks.push_back(make_file_sink(paths.back(), std::make_unique<CountingEcs>(formatted),
                                       FileRotation{}, QueueOptions{}));
    }
    paths.push_back(dir.path.string() + "/stream");
    int fd = ::open(paths.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    sinks.push_back(std::make_unique<StreamSink>(fd, std::make_unique<CountingEcs>(formatted), "stream"));

    EventLines lines;
    for (std::uint16_t port : {80, 443}) {
        Event e = siem_event(EventKind::Listen, port);
        lines.reset(e);
        for (auto &sink : sinks)
            sink->write(e, lines);
    }
    CHECK(formatted == 2);              // once per event, not once per sink
    CHECK(lines.formattings() == 2);
    sinks.clear();                      // flush and drain
    ::close(fd);
    std::string expected = JsonFormat().event(siem_event(EventKind::Listen, 80)) +
                           JsonFormat().event(siem_event(EventKind::Listen, 443));
    for (const auto &p : paths)
        CHECK(read_file(p) == expected);
}

TEST_CASE("each format of an event is made once, whatever the order sinks ask")
{
    int ecs_count = 0;
    CountingEcs a(ecs_count), b(ecs_count);
    auto table = make_line_format("table");
    Event e = siem_event(EventKind::Bind, 8080);
    EventLines lines;
    lines.reset(e);
    std::string first(lines.line(a));
    CHECK(lines.line(*table).find("BIND") != std::string_view::npos);
    CHECK(lines.line(b) == first);
    CHECK(ecs_count == 1);
    CHECK(lines.formattings() == 2);
    Event next = siem_event(EventKind::Close, 8080);
    lines.reset(next); // a new event is formatted again
    CHECK(lines.line(b) != first);
    CHECK(ecs_count == 2);
}
