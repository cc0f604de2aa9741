// deploy/elastic/index-template.json maps every field trace-listen writes:
// the events of a live trace (bind, listen, a failed bind, state changes, a
// close, policy verdicts) and of a snapshot, each field walked down to the
// template's mapping; 64-bit kernel ids are unsigned_long.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <set>

#include <catch2/catch.hpp>

#include "policy_test_helpers.hpp"
#include "support/sockets.hpp"
#include "support/temp_dir.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

// Leaf paths of `doc` ("trace_listen.namespaces.net"), arrays of objects walked into.
void leaves(const Json &doc, const std::string &prefix, std::map<std::string, Json> &out)
{
    if (doc.is_object()) {
        for (auto &[k, v] : doc.items())
            leaves(v, prefix.empty() ? k : prefix + "." + k, out);
    } else if (doc.is_array()) {
        for (auto &v : doc)
            leaves(v, prefix, out);
        if (doc.empty())
            out.emplace(prefix, doc);
    } else {
        out[prefix] = doc;
    }
}

// The mapping of `path` in the template: its type, "flattened" when a
// flattened field covers it, "" when nothing maps it.
std::string mapped_type(const Json &mappings, const std::string &path)
{
    const Json *node = &mappings;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!node->contains("properties") || !(*node)["properties"].contains(part))
            return "";
        node = &(*node)["properties"][part];
        if (node->value("type", "") == "flattened")
            return "flattened";
        if (dot == std::string::npos)
            return node->value("type", "object");
        start = dot + 1;
    }
    return "";
}

std::vector<Json> json_of_lines(const std::string &out)
{
    std::vector<Json> docs;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        docs.push_back(Json::parse(line));
    return docs;
}

} // namespace

TEST_CASE("elastic: the index template maps every field of the events and snapshots - "
          "u64 kernel ids as unsigned_long")
{
    TL_REQUIRE_BPF();
    std::ifstream in(TRACE_LISTEN_SOURCE_DIR "/deploy/elastic/index-template.json");
    Json tmpl = Json::parse(in);
    const Json &mappings = tmpl["template"]["mappings"];
    CHECK(tmpl["index_patterns"].size() > 0);

    Fd held = tcp_listener("127.0.0.1", 0, 4); // in the snapshot
    Fd fresh = tcp_listener("127.0.0.1", 0, -1);
    int held_port = local_port(held.get()), port = local_port(fresh.get());
    TempFile policy("expected:\n  - {id: ours, severity: low, port: " + std::to_string(held_port) +
                    "}\n");
    TracerProcess tracer({"-o", "json", "--events", "bind,listen,close,state", "--policy",
                          policy.path(), "--port", std::to_string(held_port), "--port",
                          std::to_string(port)});
    REQUIRE(::listen(fresh.get(), 4) == 0);
    expect_event(tracer, "socket-listen", port);
    REQUIRE(bind_errno(SOCK_STREAM, "127.0.0.1", port) == EADDRINUSE);
    fresh = Fd();
    expect_event(tracer, "socket-close", port);
    tracer.stop();
    std::vector<Json> docs = tracer.json_lines();
    auto snap = run_command({"snapshot", "-o", "json", "--port", std::to_string(held_port)});
    for (auto &j : json_of_lines(snap.out))
        docs.push_back(j);

    std::map<std::string, Json> fields;
    for (auto &d : docs) {
        CHECK(d["event"]["module"] == "trace_listen");
        CHECK(d["event"]["dataset"] == "trace_listen");
        leaves(d, "", fields);
    }
    std::set<std::string> actions;
    for (auto &d : docs)
        actions.insert(d["event"]["action"].get<std::string>());
    INFO("actions seen: " << Json(actions).dump());
    REQUIRE(actions.count("socket-existing"));
    REQUIRE(actions.count("socket-close"));
    REQUIRE(fields.count("error.code")); // the EADDRINUSE bind
    REQUIRE(fields.count("trace_listen.policy.rule_id"));

    for (auto &[path, value] : fields) {
        std::string type = mapped_type(mappings, path);
        INFO(path << " = " << value.dump() << " is mapped as '" << type << "'");
        CHECK(!type.empty());
        if (path.rfind("trace_listen.", 0) == 0 && value.is_number_unsigned() &&
            value.get<std::uint64_t>() > 0x7fffffffULL)
            CHECK(type == "unsigned_long");
    }
    for (const char *u64 : {"trace_listen.socket_cookie", "trace_listen.netns", "trace_listen.cgroup_id",
                            "trace_listen.namespaces.net", "trace_listen.lifetime_ns"})
        CHECK(mapped_type(mappings, u64) == "unsigned_long");
}
