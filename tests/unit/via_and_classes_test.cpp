// Issue 10 in every output: how a bind/listen was made (trace_listen.via) and
// the per-class (priority / routine) ring-buffer counts.
#include <catch2/catch.hpp>

#include "support/line_documents.hpp"
#include "metrics/metrics_text.hpp"
#include "format/syslog_message.hpp"
#include "format/table_format.hpp"
#include "record/event_codec.hpp"
#include "siem_test_events.hpp"
#include "pipeline/trace_session.hpp"

using namespace tl;
using tl::test::siem_event;

namespace {

Event made_via(std::uint8_t via)
{
    Event e = siem_event(EventKind::Listen, 8080);
    e.model.via_id = via;
    return e;
}

DropReport drops()
{
    DropReport r;
    r.wall_time_ns = 1'700'000'000'000'000'000;
    r.sequence = 3;
    r.per_cpu = {5, 9};
    r.total = 14;
    r.dropped_by_class[TL_CLASS_PRIORITY] = 2;
    r.dropped_by_class[TL_CLASS_ROUTINE] = 12;
    return r;
}

} // namespace

TEST_CASE("via is in ECS - OCSF - syslog structured data and the table")
{
    Event e = made_via(TL_VIA_IO_URING);
    CHECK(ecs_document(e)["trace_listen"]["via"] == "io_uring");
    CHECK(ocsf_document(e)["unmapped"]["trace_listen"]["via"] == "io_uring");
    std::string message;
    append_syslog_event(message, e, 3, "");
    CHECK(message.find(" via=\"io_uring\"") != std::string::npos);
    CHECK(table_detail(e).find("via=io_uring") != std::string::npos);
    CHECK(table_detail(made_via(TL_VIA_KERNEL)).find("via=kernel") != std::string::npos);
}

TEST_CASE("via syscall is in the documents but not repeated on every table row")
{
    Event e = made_via(TL_VIA_SYSCALL);
    CHECK(ecs_document(e)["trace_listen"]["via"] == "syscall");
    CHECK(table_detail(e).find("via=") == std::string::npos);
}

TEST_CASE("events that do not say how they were made carry no via")
{
    Event e = made_via(TL_VIA_UNKNOWN); // a close, or a record from an older version
    CHECK_FALSE(ecs_document(e)["trace_listen"].contains("via"));
    CHECK_FALSE(ocsf_document(e)["unmapped"]["trace_listen"].contains("via"));
}

TEST_CASE("drop records split ring-buffer drops by class in every format")
{
    DropReport r = drops();
    auto ecs = ecs_drop_document(r)["trace_listen"]["drops"];
    CHECK(ecs["ringbuf_by_class"]["priority"] == 2);
    CHECK(ecs["ringbuf_by_class"]["routine"] == 12);
    CHECK(ocsf_drop_document(r)["unmapped"]["trace_listen"]["drops"]["ringbuf_by_class"]["routine"] ==
          12);
    CHECK(TableFormat().drops(r).find("priority 2, routine 12") != std::string::npos);
    std::string message;
    append_syslog_drops(message, r, 3, "");
    CHECK(message.find(" ringbuf_priority=\"2\"") != std::string::npos);
}

TEST_CASE("the forensic record keeps per-class drops")
{
    record::BlockEncoder encoder;
    encoder.add(drops());
    std::vector<record::RecordEntry> entries;
    std::vector<std::string> problems;
    CHECK(record::BlockDecoder().decode(encoder.payload(), entries, problems).empty());
    REQUIRE(entries.size() == 1);
    DropReport back = std::get<DropReport>(entries[0]);
    CHECK(back.dropped_by_class[TL_CLASS_PRIORITY] == 2);
    CHECK(back.dropped_by_class[TL_CLASS_ROUTINE] == 12);
}

TEST_CASE("metrics and the summary line count kernel records per class")
{
    MetricsSnapshot m;
    m.received_by_class = {100, 50};
    m.dropped_by_class = {7, 0};
    std::string text = prometheus_text(m);
    CHECK(text.find("trace_listen_kernel_records_total{class=\"routine\"} 100\n") != std::string::npos);
    CHECK(text.find("trace_listen_kernel_records_total{class=\"priority\"} 50\n") != std::string::npos);
    CHECK(text.find("trace_listen_ring_buffer_dropped_total{class=\"routine\"} 7\n") != std::string::npos);
    CHECK(text.find("trace_listen_ring_buffer_dropped_total{class=\"priority\"} 0\n") != std::string::npos);

    SessionSummary s;
    s.received_by_class = {100, 50};
    s.dropped_by_class = {7, 0};
    s.ringbuf_drops = 7;
    CHECK(s.line().find("drops: ring-buffer=7 sinks=0 kernel-maps=0; by class: priority received=50 dropped=0, "
                        "routine received=100 dropped=7") != std::string::npos);
}
