// Every output format, byte for byte, against checked-in files
// (tests/golden/): a fixed set of events (tests/golden/golden_events.hpp)
// rendered as a table, ECS, OCSF and RFC 5424 syslog.  What depends on the
// machine (host name and ids, kernel, OS, agent version and run id, our pid)
// is replaced by <PLACEHOLDERS>; tables are rendered in UTC.
//
// After an intended change of the output, regenerate with
//   TL_UPDATE_GOLDEN=1 build/tests/unit_tests '[golden]'
// and review the diff of tests/golden/ like any other change.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "golden/golden_events.hpp"
#include "host/host_metadata.hpp"
#include "pipeline/line_format.hpp"
#include "format/syslog_message.hpp"

using namespace tl;

namespace {

std::string golden_path(const std::string &name)
{
    return std::string(TRACE_LISTEN_SOURCE_DIR) + "/tests/golden/" + name;
}

void replace_all(std::string &text, const std::string &from, const std::string &to)
{
    if (from.empty())
        return;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// The machine's own values, wherever a format writes them (as JSON strings,
// syslog PARAM-VALUEs or header fields).
std::string pin_machine(std::string text)
{
    const HostMetadata &h = host_metadata();
    const AgentMetadata &a = agent_metadata();
    std::vector<std::pair<std::string, std::string>> values = {
        {a.ephemeral_id, "<AGENT_EPHEMERAL_ID>"}, {h.boot_id, "<HOST_BOOT_ID>"},
        {h.id, "<HOST_ID>"},                      {h.kernel, "<HOST_KERNEL>"},
        {h.os_name, "<HOST_OS_NAME>"},            {h.os_version, "<HOST_OS_VERSION>"},
        {h.os_family, "<HOST_OS_FAMILY>"},        {h.architecture, "<HOST_ARCH>"},
        {a.version, "<AGENT_VERSION>"},           {h.hostname, "<HOST_NAME>"},
    };
    // Only as JSON values (after ':'): a short value such as an OS version
    // "12" must not hit a syslog sequenceId="12".
    for (const auto &[value, name] : values)
        replace_all(text, ":\"" + value + "\"", ":\"" + name + "\"");
    replace_all(text, " swVersion=\"" + a.version + "\"", " swVersion=\"<AGENT_VERSION>\"");
    // The syslog header: "... HOSTNAME trace-listen PROCID MSGID ..."
    replace_all(text, " " + h.hostname + " trace-listen " + std::to_string(getpid()) + " ",
                " <HOST_NAME> trace-listen <PID> ");
    return text;
}

void utc_tables()
{
    setenv("TZ", "UTC", 1);
    tzset();
}

void check_golden(const std::string &name, const std::string &rendered)
{
    std::string actual = pin_machine(rendered);
    std::string path = golden_path(name);
    if (const char *update = std::getenv("TL_UPDATE_GOLDEN"); update && *update == '1') {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
        WARN("rewrote " << path);
        return;
    }
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream expected;
    expected << in.rdbuf();
    // Line by line, so that a failure names the event.
    std::istringstream want(expected.str()), got(actual);
    std::string want_line, got_line;
    for (int line = 1;; ++line) {
        bool more_want = static_cast<bool>(std::getline(want, want_line));
        bool more_got = static_cast<bool>(std::getline(got, got_line));
        INFO(name << " line " << line);
        CHECK(got_line == want_line);
        CHECK(more_got == more_want);
        if (!more_want || !more_got)
            break;
    }
    CHECK(actual == expected.str());
}

// --- the formats under test, through their public interface ---------------

std::string render(std::string_view format_name, TableStyle style = {})
{
    auto format = make_line_format(format_name, style);
    std::string out = format->header();
    for (const auto &g : golden::golden_events())
        out += format->event(g.event);
    out += format->drops(golden::golden_drop_report());
    out += format->chain_head(golden::golden_chain_head());
    return out;
}

// As a syslog sink sends them (ECS as MSG, daemon facility), one per line.
std::string render_syslog()
{
    auto ecs = make_line_format("ecs");
    std::string out;
    for (const auto &g : golden::golden_events()) {
        append_syslog_event(out, g.event, 3, ecs->event(g.event));
        out += '\n';
    }
    auto report = golden::golden_drop_report();
    append_syslog_drops(out, report, 3, ecs->drops(report));
    out += '\n';
    auto head = golden::golden_chain_head();
    append_syslog_chain_head(out, head, 3, ecs->chain_head(head));
    out += '\n';
    return out;
}

} // namespace

TEST_CASE("golden: table rows of the fixed events", "[golden]")
{
    utc_tables();
    check_golden("table.txt", render("table"));
}

TEST_CASE("golden: table rows with dates and colours", "[golden]")
{
    utc_tables();
    check_golden("table-dates-color.txt", render("table", TableStyle{.color = true, .dates = true}));
}

TEST_CASE("golden: ECS lines of the fixed events", "[golden]")
{
    check_golden("ecs.jsonl", render("ecs"));
}

TEST_CASE("golden: OCSF lines of the fixed events", "[golden]")
{
    check_golden("ocsf.jsonl", render("ocsf"));
}

TEST_CASE("golden: RFC 5424 syslog messages of the fixed events", "[golden]")
{
    check_golden("syslog.txt", render_syslog());
}
