// The SIEM outputs end to end: hostile process names in every format and
// sink, file rotation under load, and the Prometheus endpoint checked by
// promtool.
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "siem_rsyslog.hpp"
#include "support/sockets.hpp"
#include "support/tracer_process.hpp"
#include "util/text_escape.hpp"

using namespace tl::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> read_lines(const fs::path &path)
{
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

bool valid_utf8(const std::string &s)
{
    bool replaced = false;
    tl::to_valid_utf8(s, &replaced);
    return !replaced;
}

// What the kernel keeps of a name: 15 bytes.
std::string comm_of(const std::string &name) { return name.substr(0, 15); }

// A process name back from a JSON document: the raw base64 when bytes were
// replaced, else the text itself.
std::string name_from(const Json &doc, const Json::json_pointer &field, const Json &raw,
                      const std::string &raw_key)
{
    if (raw.is_object() && raw.contains(raw_key))
        return base64_decode(raw[raw_key].get<std::string>());
    return doc.value(field, std::string("<missing>"));
}

std::string http_get(const std::string &host_port, const std::string &path)
{
    return shell("curl -sS --max-time 10 http://" + host_port + path);
}

} // namespace

TEST_CASE("hostile process names: one record per event in every format and sink - names round-trip")
{
    TL_REQUIRE_BPF();
    const std::vector<std::string> names = {
        "nl\nfake\"}{\"x", "cr\rname", "\x1b[31mred\x1b[0m", "q\"uo'te", "back\\slash",
        "br]ack|et=x", "bad\xff\xfeutf8", "cutx\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
        "\xc2\x9b" "2Jcsi",
    };
    fs::path dir = make_temp_dir("hostile");
    Rsyslog rsyslog;
    TracerProcess tracer({"--no-snapshot", "--udp", "--events", "bind", "--sink", "stdout:ecs",
                          "--sink", "file:" + (dir / "out.ocsf").string() + ":ocsf", "--sink",
                          "file:" + (dir / "out.table").string() + ":table", "--sink",
                          "syslog+tcp://127.0.0.1:" + std::to_string(rsyslog.tcp_port()),
                          "--sink",
                          "syslog+udp://127.0.0.1:" + std::to_string(rsyslog.udp_port()) +
                              ":table"});
    std::vector<int> ports;
    for (const auto &name : names) {
        int pipefd[2];
        REQUIRE(pipe(pipefd) == 0);
        pid_t child = spawn([&] {
            prctl(PR_SET_NAME, name.c_str());
            Fd fd = udp_bound("127.0.0.1", 0);
            std::uint16_t port = local_port(fd.get());
            return write(pipefd[1], &port, sizeof port) == sizeof port ? 0 : 1;
        });
        REQUIRE(wait_child(child) == 0);
        std::uint16_t port = 0;
        REQUIRE(read(pipefd[0], &port, sizeof port) == sizeof port);
        close(pipefd[0]);
        close(pipefd[1]);
        ports.push_back(port);
    }
    REQUIRE(tracer.wait_for_json([&](const Json &j) {
        return j.value("/server/port"_json_pointer, -1) == ports.back() &&
               j.value("/process/parent/pid"_json_pointer, -1) == getpid();
    }));
    REQUIRE(tracer.stop(SIGTERM) == 0);
    const int me = getpid();

    // ECS on stdout: one line per event, each parses, the name round-trips.
    std::map<int, std::string> ecs_names;
    for (auto &doc : tracer.json_lines())
        if (doc.value("/process/parent/pid"_json_pointer, -1) == me)
            ecs_names[doc["server"]["port"].get<int>()] =
                name_from(doc, "/process/name"_json_pointer, doc["trace_listen"]["raw"],
                          "process.name_base64");
    // OCSF in a file.
    std::map<int, std::string> ocsf_names;
    for (auto &line : read_lines(dir / "out.ocsf")) {
        keep_json_lines(line + "\n"); // hostile names through the OCSF schema too
        INFO("ocsf line: " << line);
        Json doc;
        REQUIRE_NOTHROW(doc = Json::parse(line));
        if (doc.value("/actor/process/parent_process/pid"_json_pointer, -1) == me)
            ocsf_names[doc["dst_endpoint"]["port"].get<int>()] =
                name_from(doc, "/actor/process/name"_json_pointer, doc["unmapped"]["raw"],
                          "actor.process.name_base64");
    }
    // The table in a file: terminal-safe, one row per event.
    std::map<int, std::string> table_comms;
    for (auto &line : read_lines(dir / "out.table")) {
        INFO("table line: " << tl::escape_for_terminal(line));
        CHECK(valid_utf8(line));
        CHECK(line.find_first_of("\r\x1b") == std::string::npos);
        CHECK(line.find("\xc2\x9b") == std::string::npos);
        std::istringstream fields(line);
        std::string date, time, kind, pid, ppid, comm, container, proto, ip, port;
        // A table in a file dates its rows (issue 12).
        fields >> date >> time >> kind >> pid >> ppid >> comm >> container >> proto >> ip >> port;
        if (ppid == std::to_string(me))
            table_comms[std::stoi(port)] = comm;
    }
    // ECS through syslog (TCP, octet-counted) and the table through UDP.
    std::map<int, std::string> syslog_names;
    std::map<int, int> udp_rows;
    std::vector<Json> tcp, udp;
    for (int tries = 0; tries < 100; ++tries) {
        tcp = rsyslog.from_tracer("imtcp");
        udp = rsyslog.from_tracer("imudp");
        if (tcp.size() >= names.size() && udp.size() >= names.size())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (auto &r : tcp) {
        Json doc = Json::parse(r["msg"].get<std::string>());
        if (doc.value("/process/parent/pid"_json_pointer, -1) == me)
            syslog_names[doc["server"]["port"].get<int>()] =
                name_from(doc, "/process/name"_json_pointer, doc["trace_listen"]["raw"],
                          "process.name_base64");
    }
    for (auto &r : udp) {
        std::string msg = r["msg"].get<std::string>();
        std::istringstream fields(msg);
        std::string time, kind, pid, ppid, comm, container, proto, ip, port;
        fields >> time >> kind >> pid >> ppid >> comm >> container >> proto >> ip >> port;
        CHECK(msg.find_first_of("\r\n\x1b") == std::string::npos);
        if (ppid == std::to_string(me))
            ++udp_rows[std::stoi(port)];
    }

    REQUIRE(ecs_names.size() == names.size());
    CHECK(ocsf_names.size() == names.size());
    CHECK(table_comms.size() == names.size());
    CHECK(syslog_names.size() == names.size());
    CHECK(udp_rows.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::string expected = comm_of(names[i]);
        INFO("name " << tl::escape_for_terminal(expected));
        CHECK(ecs_names[ports[i]] == expected);
        CHECK(ocsf_names[ports[i]] == expected);
        CHECK(syslog_names[ports[i]] == expected);
        CHECK(udp_rows[ports[i]] == 1);
        std::string escaped = tl::escape_for_terminal(expected);
        std::string shown = table_comms[ports[i]];
        // The table shows the escaped name (cut to its column with '~').
        if (shown.size() && shown.back() == '~')
            CHECK(escaped.rfind(shown.substr(0, shown.size() - 1), 0) == 0);
        else
            CHECK(shown == escaped);
    }
    fs::remove_all(dir);
}

TEST_CASE("file sink rotation under load loses and splits no record")
{
    TL_REQUIRE_BPF();
    fs::path dir = make_temp_dir("rotate");
    std::string path = (dir / "tl.json").string();
    TracerProcess tracer({"--no-snapshot", "--pid", std::to_string(getpid()), "--events", "bind",
                          "--sink", "stdout:ecs", "--sink",
                          "file:" + path + ":ecs,max-size=64K,backups=200"});
    const int binds = 1500;
    int last_port = 0;
    for (int i = 0; i < binds; ++i) {
        Fd fd = udp_bound("127.0.0.1", 0);
        last_port = local_port(fd.get());
        if (i == binds / 2) // logrotate-style move in the middle of the stream
            tracer.signal(SIGHUP);
    }
    REQUIRE(tracer.wait_for_json(
        [&](const Json &j) { return j.value("/server/port"_json_pointer, -1) == last_port; },
        std::chrono::seconds(60)));
    REQUIRE(tracer.stop(SIGTERM) == 0);
    auto stdout_lines = tracer.json_lines();
    std::set<std::uint64_t> expected;
    for (auto &doc : stdout_lines)
        expected.insert(doc["event"]["sequence"].get<std::uint64_t>());

    std::set<std::uint64_t> in_files;
    std::size_t records = 0, files = 0;
    for (const auto &entry : fs::directory_iterator(dir)) {
        ++files;
        INFO("file " << entry.path());
        CHECK(fs::file_size(entry.path()) <= 64 * 1024);
        std::ifstream in(entry.path());
        std::string content((std::istreambuf_iterator<char>(in)), {});
        REQUIRE(!content.empty());
        CHECK(content.back() == '\n'); // no record cut at a file boundary
        for (auto &line : read_lines(entry.path())) {
            Json doc;
            INFO("line: " << line.substr(0, 200));
            REQUIRE_NOTHROW(doc = Json::parse(line));
            in_files.insert(doc["event"]["sequence"].get<std::uint64_t>());
            ++records;
        }
    }
    INFO("files: " << files);
    CHECK(files > 10);
    CHECK(records == stdout_lines.size()); // none duplicated
    CHECK(in_files == expected);           // none lost
    CHECK(expected.size() >= binds);
    fs::remove_all(dir);
}

TEST_CASE("metrics endpoint is loopback by default and passes promtool check metrics")
{
    TL_REQUIRE_BPF();
    if (!try_shell("command -v promtool"))
        TL_SKIP("promtool (Debian package prometheus) is not installed");
    fs::path dir = make_temp_dir("metrics");
    TracerProcess tracer({"--no-snapshot", "--pid", std::to_string(getpid()), "--metrics-addr",
                          ":0", "--sink", "stdout:ecs", "--sink",
                          "file:" + (dir / "tl.json").string() + ",queue=100", "--sink",
                          "syslog+tcp://127.0.0.1:" + std::to_string(free_port(SOCK_STREAM)) +
                              ",queue=3"});
    std::smatch m;
    std::string err = tracer.err();
    REQUIRE(std::regex_search(err, m, std::regex("metrics at http://(127\\.0\\.0\\.1:\\d+)/metrics")));
    std::string addr = m[1];
    std::vector<Fd> keep;
    for (int i = 0; i < 5; ++i)
        keep.push_back(tcp_listener("127.0.0.1", 0));
    int last = local_port(keep.back().get());
    REQUIRE(tracer.wait_for_json([&](const Json &j) {
        return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
               j.value("/server/port"_json_pointer, -1) == last;
    }));
    // The syslog collector does not exist: its queue holds 3, the rest is dropped.
    REQUIRE(tracer.wait_for_json([](const Json &j) {
        return j.value("/trace_listen/drops/userspace_total"_json_pointer, 0) >= 7;
    }));
    std::string text = http_get(addr, "/metrics");
    INFO(text);
    fs::path scraped = dir / "scraped.txt";
    std::ofstream(scraped) << text;
    std::string check = shell("promtool check metrics < " + scraped.string() + " 2>&1; echo rc=$?");
    CHECK(check.find("rc=0") != std::string::npos);
    CHECK(check == "rc=0\n");
    CHECK(std::regex_search(text, std::regex("trace_listen_events_total\\{action=\"socket-listen\"\\} 5\n")));
    CHECK(std::regex_search(text, std::regex("trace_listen_events_total\\{action=\"socket-bind\"\\} 5\n")));
    CHECK(std::regex_search(text, std::regex("trace_listen_sink_queue_depth\\{sink=\"syslog\\+tcp://127.0.0.1:\\d+\"\\} 3\n")));
    CHECK(std::regex_search(text, std::regex("trace_listen_sink_dropped_total\\{sink=\"syslog\\+tcp://127.0.0.1:\\d+\"\\} ([7-9]|\\d\\d)\n")));
    CHECK(std::regex_search(text, std::regex("trace_listen_sink_records_total\\{sink=\"file:[^\"]+\"\\} 1\\d\n")));
    CHECK(http_get(addr, "/nope").find("not found") != std::string::npos);
    // HEAD as GET, without the body (issue 12).
    std::string head = shell("curl -sSI --max-time 10 http://" + addr + "/metrics");
    CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(head.find("trace_listen_events_total") == std::string::npos);
    tracer.stop(SIGTERM);
    fs::remove_all(dir);
}
