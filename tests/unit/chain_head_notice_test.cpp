// A record's chain head as each log sink shows it (ECS, OCSF, table,
// RFC 5424 syslog), and through the sinks `record --sink` hands it to: what
// a SIEM keeps so that `replay --verify --head` can later prove a file.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "format/ecs_document.hpp"
#include "format/ocsf_format.hpp"
#include "format/syslog_message.hpp"
#include "format/table_format.hpp"
#include "pipeline/line_format.hpp"
#include "sink/sink_factory.hpp"
#include "support/line_documents.hpp"
#include "support/temp_dir.hpp"

using namespace tl;
using json = nlohmann::json;

namespace {

const std::string head_hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

ChainHeadNotice notice(std::string file = "/srv/rec/audit.tlr")
{
    ChainHeadNotice n;
    n.wall_time_ns = 1'700'000'000'000'000'000;
    n.file = std::move(file);
    n.file_index = 1;
    n.frame = 42;
    n.offset = 9000;
    n.reason = "rotation";
    n.head = head_hex;
    n.records = 777;
    return n;
}

// A path no honest recorder writes, but a path is the user's text: a
// newline (a forged second line), an escape sequence, invalid UTF-8, and the
// characters that end a syslog PARAM-VALUE.
const std::string hostile_path = "/tmp/a\nb\x1b[2J\xff\"]\\.tlr";

void check_one_line(const std::string &line)
{
    REQUIRE(!line.empty());
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find('\x1b') == std::string::npos);
}

} // namespace

TEST_CASE("chain head ECS line: a state record-sealed with the head under trace_listen.record")
{
    std::string line = make_line_format("ecs")->chain_head(notice());
    check_one_line(line);
    json doc = json::parse(line);
    CHECK(doc["ecs"]["version"] == "8.11.0");
    CHECK(doc["event"]["kind"] == "state");
    CHECK(doc["event"]["action"] == "record-sealed");
    CHECK(doc["event"]["category"] == json::array({"file"}));
    CHECK(doc["file"]["path"] == "/srv/rec/audit.tlr");
    const json &r = doc["trace_listen"]["record"];
    CHECK(r["head"] == head_hex);
    CHECK(r["frame"] == 42);
    CHECK(r["records"] == 777);
    CHECK(r["seal_reason"] == "rotation");
    CHECK(r["file"] == "/srv/rec/audit.tlr");
    CHECK(r["file_index"] == 1);
    CHECK(r["offset"] == 9000);
    CHECK(doc["@timestamp"] == "2023-11-14T22:13:20.000000000Z");
    CHECK_FALSE(doc["event"].contains("sequence")); // not in the session's sequence

    json hostile = ecs_chain_head_document(notice(hostile_path));
    CHECK(hostile["trace_listen"]["record"]["file"].get<std::string>().find('\n') != std::string::npos);
    check_one_line(make_line_format("ecs")->chain_head(notice(hostile_path)));
}

TEST_CASE("chain head OCSF line: a Base Event like the drop report, activity Record Sealed")
{
    std::string line = make_line_format("ocsf")->chain_head(notice());
    check_one_line(line);
    json doc = json::parse(line);
    CHECK(doc["class_uid"] == 0);
    CHECK(doc["type_uid"] == 99);
    CHECK(doc["activity_id"] == 99);
    CHECK(doc["activity_name"] == "Record Sealed");
    CHECK(doc["severity_id"] == 1);
    CHECK(doc["time"] == 1'700'000'000'000);
    CHECK_FALSE(doc["metadata"].contains("sequence"));
    CHECK(doc["metadata"]["version"] == "1.8.0");
    const json &t = doc["unmapped"]["trace_listen"];
    CHECK(t["action"] == "record-sealed");
    CHECK(t["record"]["head"] == head_hex);
    CHECK(t["record"]["frame"] == 42);
    CHECK(t["record"]["seal_reason"] == "rotation");
    CHECK(doc["message"].get<std::string>().find(head_hex) != std::string::npos);
    check_one_line(make_line_format("ocsf")->chain_head(notice(hostile_path)));
}

TEST_CASE("chain head table row: one readable line with the frame and the whole head")
{
    std::string line = make_line_format("table")->chain_head(notice());
    check_one_line(line);
    CHECK(line.find("SEALED") != std::string::npos);
    CHECK(line.find("record /srv/rec/audit.tlr sealed at frame 42 (rotation, 777 records): chain "
                    "head " + head_hex) != std::string::npos);

    std::string hostile = make_line_format("table")->chain_head(notice(hostile_path));
    check_one_line(hostile);
    CHECK(hostile.find(head_hex) != std::string::npos);
}

TEST_CASE("chain head syslog message: MSGID record-sealed, the head in structured data")
{
    std::string ecs = make_line_format("ecs")->chain_head(notice());
    std::string msg;
    append_syslog_chain_head(msg, notice(), 3, ecs);
    CHECK(msg.find('\n') == std::string::npos);
    // daemon.notice = 3 * 8 + 5
    CHECK(std::regex_search(msg, std::regex("^<29>1 2023-11-14T22:13:20\\.000000Z \\S+ trace-listen "
                                            "[0-9]+ record-sealed \\[origin ")));
    CHECK(msg.find("[meta") == std::string::npos);
    CHECK(msg.find(" head=\"" + head_hex + "\"") != std::string::npos);
    CHECK(msg.find(" frame=\"42\"") != std::string::npos);
    CHECK(msg.find(" records=\"777\"") != std::string::npos);
    CHECK(msg.find(" seal_reason=\"rotation\"") != std::string::npos);
    CHECK(msg.find(" file=\"/srv/rec/audit.tlr\"") != std::string::npos);
    // The MSG is the sink's own line, without its newline.
    CHECK(msg.substr(msg.size() - (ecs.size() - 1)) == ecs.substr(0, ecs.size() - 1));

    std::string hostile;
    append_syslog_chain_head(hostile, notice(hostile_path), 3, "");
    CHECK(hostile.find('\n') == std::string::npos);
    CHECK(hostile.find('\x1b') == std::string::npos);
    // '"' and ']' escaped: the element still ends where the head follows.
    CHECK(hostile.find("\\\"\\]") != std::string::npos);
    CHECK(hostile.find(" head=\"" + head_hex + "\"]") != std::string::npos);
}

TEST_CASE("chain head reaches a file sink in the sink's format, like a drop report")
{
    test::TempDir dir;
    std::string ecs_path = (dir.path / "heads.json").string();
    std::string table_path = (dir.path / "heads.txt").string();
    {
        auto sinks = make_sinks({"file:" + ecs_path + ":ecs", "file:" + table_path + ":table"},
                                "table");
        REQUIRE(sinks.size() == 2);
        for (auto &s : sinks) {
            s->write(notice());
            s->flush();
        }
        for (auto &s : sinks)
            CHECK(s->stats().dropped == 0);
    } // queued sinks drain at destruction
    std::ifstream ecs(ecs_path);
    std::string line;
    REQUIRE(std::getline(ecs, line));
    json doc = json::parse(line);
    CHECK(doc["event"]["action"] == "record-sealed");
    CHECK(doc["trace_listen"]["record"]["head"] == head_hex);
    CHECK_FALSE(std::getline(ecs, line));
    std::stringstream table;
    table << std::ifstream(table_path).rdbuf();
    CHECK(table.str().find("SEALED") != std::string::npos);
    CHECK(table.str().find(head_hex) != std::string::npos);
}
