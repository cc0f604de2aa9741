#include "policy/baseline.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "pipeline/event_text.hpp"
#include "policy/policy.hpp"
#include "pipeline/socket_facts.hpp"
#include "util/text_escape.hpp"

namespace tl {

namespace {

// What one baseline rule says, in the order it is written.
struct BaselineRule {
    std::string protocol;
    std::uint16_t port = 0;
    std::string service;
    std::string exposure;  // loopback / all-interfaces, or empty with address
    std::string address;   // exact address as a CIDR block
    std::string family;
    std::string process;
    std::string user;
    std::string container;
    std::uint32_t netns = 0;
    std::string command_line; // comment only
    bool ownerless = false;   // no visible process: `owner: none`, no process/user/container

    auto identity() const
    {
        return std::make_tuple(protocol, port, exposure, address, family, process, user,
                               container, netns, ownerless);
    }
};

std::string rule_id_word(std::string text)
{
    for (auto &c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            c = '_';
    return text;
}

// Process names are matched as globs; a name with glob characters must
// still match only itself.
std::string literal_glob(const std::string &text)
{
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

BaselineRule rule_of(const Event &e, const BaselineOptions &options)
{
    const EventModel &m = model_of(e);
    const SocketModel &s = m.socket;
    const TaskModel &t = m.task;
    BaselineRule r;
    r.protocol = std::string(s.transport);
    r.port = s.port;
    r.service = std::string(s.service);
    switch (s.exposure) {
    case Exposure::Loopback: r.exposure = "loopback"; break;
    case Exposure::AllInterfaces: r.exposure = "all-interfaces"; break;
    case Exposure::Address:
        r.address = std::string(s.local.text()) + (s.local.family == AF_INET6 ? "/128" : "/32");
        break;
    }
    r.family = std::string(s.family_name);
    if (options.host_netns && s.netns != options.host_netns)
        r.netns = s.netns;
    if (t.pid == 0) {
        // Kernel-owned (VXLAN, WireGuard, nfsd) or held by a process whose
        // fds cannot be read: baselined by what is known about the socket.
        r.ownerless = true;
        return r;
    }
    std::string exe = process_executable(e);
    // A full path says most; the kernel's basename or comm when /proc had none.
    r.process = literal_glob(exe.starts_with("/") ? exe
                                                  : std::string(c_field(t.comm, sizeof t.comm)));
    r.user = e.process && !e.process->user_name.empty() ? e.process->user_name
                                                        : std::to_string(t.uid);
    ListenerFacts facts = ListenerFacts::of(e);
    if (!facts.container_id.empty())
        r.container = facts.container_id.substr(0, 12);
    r.command_line = join_command_line(process_args(e));
    return r;
}

std::string now_utc()
{
    time_t now = time(nullptr);
    struct tm tm {};
    gmtime_r(&now, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace

std::string baseline_yaml(const std::vector<Event> &events, const BaselineOptions &options)
{
    std::vector<BaselineRule> rules;
    std::set<decltype(std::declval<BaselineRule>().identity())> seen;
    for (const auto &e : events) {
        if (!opens_listener(e))
            continue;
        BaselineRule r = rule_of(e, options);
        if (seen.insert(r.identity()).second)
            rules.push_back(std::move(r));
    }
    std::sort(rules.begin(), rules.end(), [](const BaselineRule &a, const BaselineRule &b) {
        return std::tie(a.protocol, a.port, a.family) < std::tie(b.protocol, b.port, b.family);
    });

    YAML::Emitter out;
    out << YAML::Comment(fmt::format(
        "Baseline of the listeners on this host at {} ({} rules).\n"
        "Written by: {}\n"
        "Every listener below is expected; anything else is 'unexpected'.  Edit freely:\n"
        "widen a port to a range, drop 'user', name a service (port: ssh), add\n"
        "'required: true' to report a listener that disappears, or add 'forbidden' rules.\n"
        "Schema: docs/policy.md.  Check with: trace-listen check --policy FILE",
        now_utc(), rules.size(), escape_for_terminal(options.generated_by)));
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << 1;
    out << YAML::Key << "defaults" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "verdict" << YAML::Value << "unexpected";
    out << YAML::Key << "severity" << YAML::Value << options.severity;
    out << YAML::EndMap;
    out << YAML::Key << "forbidden" << YAML::Value << YAML::BeginSeq << YAML::EndSeq;
    out << YAML::Key << "expected" << YAML::Value << YAML::BeginSeq;
    std::map<std::string, int> used_ids;
    for (const auto &r : rules) {
        std::string id = rule_id_word(fmt::format(
            "{}-{}-{}", r.protocol, r.service.empty() ? std::to_string(r.port) : r.service,
            r.ownerless ? std::string("kernel") : r.process.substr(r.process.rfind('/') + 1)));
        if (int n = ++used_ids[id]; n > 1)
            id += fmt::format("-{}", n);
        out << YAML::BeginMap;
        out << YAML::Key << "id" << YAML::Value << id;
        out << YAML::Key << "severity" << YAML::Value << options.severity;
        if (!r.command_line.empty())
            out << YAML::Key << "description" << YAML::Value
                << to_valid_utf8(r.command_line.substr(0, 200));
        if (options.required)
            out << YAML::Key << "required" << YAML::Value << true;
        out << YAML::Key << "protocol" << YAML::Value << r.protocol;
        out << YAML::Key << "port" << YAML::Value << r.port;
        if (!r.service.empty())
            out << YAML::Comment(r.service);
        out << YAML::Key << "family" << YAML::Value << r.family;
        if (!r.exposure.empty())
            out << YAML::Key << "exposure" << YAML::Value << r.exposure;
        else
            out << YAML::Key << "address" << YAML::Value << r.address;
        if (r.ownerless) {
            out << YAML::Key << "owner" << YAML::Value << "none";
            out << YAML::Comment("no visible process: a kernel socket, or fds not readable");
        } else {
            out << YAML::Key << "process" << YAML::Value << to_valid_utf8(r.process);
            out << YAML::Key << "user" << YAML::Value << to_valid_utf8(r.user);
        }
        if (!r.container.empty())
            out << YAML::Key << "container" << YAML::Value << r.container;
        if (r.netns) {
            out << YAML::Key << "netns" << YAML::Value << r.netns;
            out << YAML::Comment("not the host's network namespace");
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace tl
