// Priority under overload (issue 10): a flood of loopback listeners must not
// hide an all-interfaces listener, and whatever is lost stays counted, per
// class, exactly.  The load runs in its own network namespace and the tracer
// filters on it, so other work on the machine cannot change the counts.
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

struct Flood {
    Json report; // listen_flood's JSON: flooder pids, iterations, exposed pid and ports
    std::uint64_t routine_generated() const { return 3 * report["flood_iterations"].get<std::uint64_t>(); }
    std::uint64_t priority_generated() const { return 3 * report["exposed_ports"].size(); }
};

// Two flooders (socket + bind 127.0.0.1:0 + listen + close, as fast as they
// can) while a third process opens 50 listeners on 0.0.0.0, one every 20 ms.
Flood run_flood(const NetNamespace &ns)
{
    std::string out = shell("ip netns exec " + ns.name() + " " LISTEN_FLOOD_BINARY
                            " --flooders 2 --listeners 50 --interval-ms 20");
    Flood f{Json::parse(out)};
    REQUIRE(f.report["exposed_ports"].size() == 50);
    return f;
}

struct ClassCounts {
    std::uint64_t received = 0, dropped = 0;
};

// "by class: priority received=N dropped=N, routine received=N dropped=N"
std::pair<ClassCounts, ClassCounts> summary_by_class(const std::string &err)
{
    std::smatch m;
    INFO(err);
    REQUIRE(std::regex_search(err, m,
                              std::regex("by class: priority received=(\\d+) dropped=(\\d+), "
                                         "routine received=(\\d+) dropped=(\\d+)")));
    return {{std::stoull(m[1]), std::stoull(m[2])}, {std::stoull(m[3]), std::stoull(m[4])}};
}

// Table rows: TIME EVENT PID PPID COMM CONTAINER PROTO ADDRESS PORT EXPOSURE DETAIL
struct Row {
    std::string event;
    int pid = 0;
    std::string address;
    int port = 0;
    std::string exposure;
};

std::vector<Row> table_rows(const std::string &out)
{
    std::vector<Row> rows;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string time, ppid, comm, container, proto;
        Row r;
        if (f >> time >> r.event >> r.pid >> ppid >> comm >> container >> proto >> r.address >>
            r.port >> r.exposure)
            rows.push_back(r);
    }
    return rows;
}

} // namespace

TEST_CASE("every all-interfaces listener opened during a loopback flood is reported")
{
    TL_REQUIRE_BPF();
    NetNamespace ns("tl-flood-a");
    // 64 KiB for routine events overflows within milliseconds of this flood
    // (with one shared buffer, 13 of the 50 listens were lost here); the
    // priority buffer beside it carries only exposure-relevant events.
    TracerProcess tracer({"--no-snapshot", "--netns", ns.path(), "--ringbuf-size", "64K",
                          "--allow-loss"});
    Flood flood = run_flood(ns);
    std::this_thread::sleep_for(500ms);
    REQUIRE(tracer.stop() == 0);

    const int exposed_pid = flood.report["exposed_pid"].get<int>();
    std::set<int> listened, bound, closed;
    for (const auto &r : table_rows(tracer.out())) {
        if (r.pid != exposed_pid || r.address != "0.0.0.0" || r.exposure != "all-interfaces")
            continue;
        (r.event == "LISTEN" ? listened : r.event == "BIND" ? bound : closed).insert(r.port);
    }
    std::set<int> expected;
    for (int p : flood.report["exposed_ports"])
        expected.insert(p);
    auto [priority, routine] = summary_by_class(tracer.err());
    INFO("flood iterations " << flood.report["flood_iterations"] << "; routine received "
                             << routine.received << " dropped " << routine.dropped);
    CHECK(listened == expected);
    CHECK(bound == expected);
    CHECK(closed == expected);
    CHECK(priority.dropped == 0);
    CHECK(priority.received == flood.priority_generated());
    CHECK(routine.received + routine.dropped == flood.routine_generated());
    if (routine.dropped == 0)
        WARN("the flood did not overflow the routine ring buffer on this machine");
}

TEST_CASE("with a tiny ring buffer a flood's events are received or dropped - exactly - per class")
{
    TL_REQUIRE_BPF();
    NetNamespace ns("tl-flood-b");
    TracerProcess tracer({"-o", "json", "--no-snapshot", "--netns", ns.path(), "--ringbuf-size", "4K",
                          "--allow-loss"});
    Flood flood = run_flood(ns);
    std::this_thread::sleep_for(500ms);
    REQUIRE(tracer.stop() == 0);

    auto [priority, routine] = summary_by_class(tracer.err());
    INFO("priority " << priority.received << "+" << priority.dropped << " routine "
                     << routine.received << "+" << routine.dropped);
    CHECK(priority.received + priority.dropped == flood.priority_generated());
    CHECK(routine.received + routine.dropped == flood.routine_generated());
    CHECK(routine.dropped > 0); // 4 KiB holds a handful of events

    // The last drop record carries the same per-class counts as the summary.
    Json last;
    std::uint64_t events = 0;
    for (const auto &l : tracer.json_lines()) {
        if (l["event"]["kind"] == "metric")
            last = l;
        else
            ++events;
    }
    REQUIRE(!last.is_null());
    CHECK(last["trace_listen"]["drops"]["ringbuf_by_class"]["priority"] == priority.dropped);
    CHECK(last["trace_listen"]["drops"]["ringbuf_by_class"]["routine"] == routine.dropped);
    CHECK(last["trace_listen"]["drops"]["ringbuf_total"] == priority.dropped + routine.dropped);
    CHECK(events == priority.received + routine.received);
}
