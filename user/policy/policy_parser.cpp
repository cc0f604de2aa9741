#include "policy/policy_parser.hpp"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace tl {

namespace {

std::string key_list(std::initializer_list<std::string_view> keys)
{
    std::string out;
    for (auto k : keys)
        out += (out.empty() ? "" : ", ") + std::string(k);
    return out;
}

class Parser {
public:
    Parser(std::string source, const ServiceNames &services)
        : source_(std::move(source)), services_(services)
    {
    }

    Policy parse(const YAML::Node &root)
    {
        Policy policy;
        policy.source = source_;
        if (root.IsNull())
            fail(root, "the policy is empty; expected a mapping with keys version, defaults, "
                       "expected, forbidden");
        require_map(root, "the policy", {"version", "defaults", "expected", "forbidden"});
        if (auto v = root["version"]) {
            if (scalar(v, "version") != "1")
                fail(v, "unsupported version '" + v.Scalar() + "'; expected 1");
        }
        if (auto d = root["defaults"])
            parse_defaults(d, policy);
        std::set<std::string> ids;
        for (auto [key, kind] : {std::pair{"forbidden", RuleKind::Forbidden},
                                 std::pair{"expected", RuleKind::Expected}}) {
            YAML::Node list = root[key];
            if (!list || list.IsNull())
                continue;
            if (!list.IsSequence())
                fail(list, std::string(key) + " must be a list of rules (each '- id: ...')");
            for (const auto &item : list) {
                Rule rule = parse_rule(item, kind);
                if (!ids.insert(rule.id).second)
                    fail(item["id"], "duplicate rule id '" + rule.id + "'; ids must be unique");
                (kind == RuleKind::Forbidden ? policy.forbidden : policy.expected)
                    .push_back(std::move(rule));
            }
        }
        return policy;
    }

private:
    [[noreturn]] void fail(const YAML::Node &node, const std::string &what) const
    {
        YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
        throw PolicyError(where(mark) + what);
    }

    std::string where(const YAML::Mark &mark) const
    {
        if (mark.is_null())
            return source_ + ": ";
        return fmt::format("{}:{}:{}: ", source_, mark.line + 1, mark.column + 1);
    }

    // A mapping whose keys are all in `allowed`, each at most once.
    void require_map(const YAML::Node &node, const std::string &what,
                     std::initializer_list<std::string_view> allowed) const
    {
        if (!node.IsMap())
            fail(node, what + " must be a mapping with keys " + key_list(allowed));
        std::set<std::string> seen;
        for (const auto &entry : node) {
            const YAML::Node &key = entry.first;
            if (!key.IsScalar())
                fail(key, "a key in " + what + " must be a plain word");
            if (std::find(allowed.begin(), allowed.end(), key.Scalar()) == allowed.end())
                fail(key, "unknown key '" + key.Scalar() + "' in " + what + "; expected one of " +
                              key_list(allowed));
            if (!seen.insert(key.Scalar()).second)
                fail(key, "key '" + key.Scalar() + "' appears twice in " + what);
        }
    }

    std::string scalar(const YAML::Node &node, const std::string &what) const
    {
        if (!node.IsScalar())
            fail(node, what + " must be a single value, not a " +
                           (node.IsMap() ? "mapping" : node.IsSequence() ? "list" : "null"));
        return node.Scalar();
    }

    // A value or a list of values: each element must be a scalar.
    std::vector<YAML::Node> one_or_more(const YAML::Node &node, const std::string &what) const
    {
        std::vector<YAML::Node> out;
        if (node.IsSequence()) {
            for (const auto &item : node) {
                scalar(item, "each " + what);
                out.push_back(item);
            }
            if (out.empty())
                fail(node, what + " is an empty list; give at least one value or leave it out");
        } else {
            scalar(node, what);
            out.push_back(node);
        }
        return out;
    }

    std::string one_of(const YAML::Node &node, const std::string &what,
                       const std::vector<std::string> &allowed) const
    {
        std::string value = scalar(node, what);
        if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
            std::string list;
            for (auto &a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            fail(node, "unknown " + what + " '" + value + "'; expected one of " + list);
        }
        return value;
    }

    static std::optional<unsigned long> number(const std::string &text)
    {
        unsigned long n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
            return std::nullopt;
        return n;
    }

    void parse_defaults(const YAML::Node &node, Policy &policy) const
    {
        require_map(node, "defaults", {"verdict", "severity"});
        if (auto v = node["verdict"])
            policy.default_verdict = one_of(v, "default verdict", {"unexpected", "expected"});
        if (auto s = node["severity"])
            policy.default_severity = one_of(s, "severity", severity_names());
    }

    Rule parse_rule(const YAML::Node &node, RuleKind kind) const
    {
        const std::string what = kind == RuleKind::Forbidden ? "a forbidden rule"
                                                             : "an expected rule";
        if (kind == RuleKind::Forbidden)
            require_map(node, what, {"id", "severity", "description", "except", "protocol",
                                     "family", "port", "exposure", "address", "process", "owner",
                                     "user", "container", "netns"});
        else
            require_map(node, what, {"id", "severity", "description", "required", "except",
                                     "protocol", "family", "port", "exposure", "address",
                                     "process", "owner", "user", "container", "netns"});
        Rule rule;
        rule.kind = kind;
        rule.location = where(node.Mark());
        rule.location.resize(rule.location.size() - 2); // drop ": "
        YAML::Node id = node["id"];
        if (!id)
            fail(node, what + " has no id; every rule needs an id (e.g. id: ssh)");
        rule.id = scalar(id, "id");
        if (rule.id.empty() || rule.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789._-") != std::string::npos)
            fail(id, "rule id '" + rule.id + "' must be letters, digits, '.', '_' or '-'");
        YAML::Node severity = node["severity"];
        if (!severity)
            fail(node, "rule '" + rule.id + "' has no severity; expected one of info, low, "
                                            "medium, high, critical");
        rule.severity = one_of(severity, "severity", severity_names());
        if (auto d = node["description"])
            rule.description = scalar(d, "description");
        if (auto r = node["required"]) {
            try {
                rule.required = r.as<bool>();
            } catch (const YAML::Exception &) {
                fail(r, "required must be true or false");
            }
        }
        rule.match = parse_matcher(node);
        if (kind == RuleKind::Forbidden && rule.match.empty())
            fail(node, "forbidden rule '" + rule.id + "' would forbid every listener; give at "
                       "least one of protocol, family, port, exposure, address, process, owner, "
                       "user, container, netns");
        if (auto e = node["except"]) {
            std::vector<YAML::Node> items;
            if (e.IsSequence())
                for (const auto &item : e)
                    items.push_back(item);
            else
                items.push_back(e);
            for (const auto &item : items) {
                require_map(item, "except",
                            {"protocol", "family", "port", "exposure", "address", "process",
                             "owner", "user", "container", "netns"});
                Matcher m = parse_matcher(item);
                if (m.empty())
                    fail(item, "an except entry needs at least one criterion");
                rule.except.push_back(std::move(m));
            }
        }
        return rule;
    }

    // The criteria keys of a rule or an except entry (other keys were checked).
    Matcher parse_matcher(const YAML::Node &node) const
    {
        Matcher m;
        if (auto v = node["protocol"])
            for (auto &item : one_or_more(v, "protocol"))
                m.protocols.push_back(one_of(item, "protocol", {"tcp", "udp", "udplite", "sctp",
                                                                "mptcp"}));
        if (auto v = node["family"])
            for (auto &item : one_or_more(v, "family"))
                m.families.push_back(one_of(item, "family", {"ipv4", "ipv6"}) == "ipv4"
                                         ? AF_INET
                                         : AF_INET6);
        if (auto v = node["port"])
            for (auto &item : one_or_more(v, "port"))
                m.ports.push_back(port_range(item, m.protocols));
        if (auto v = node["exposure"])
            for (auto &item : one_or_more(v, "exposure")) {
                std::string e = one_of(item, "exposure", {"loopback", "all-interfaces", "address"});
                m.exposures.push_back(e == "loopback"         ? Exposure::Loopback
                                      : e == "all-interfaces" ? Exposure::AllInterfaces
                                                              : Exposure::Address);
            }
        if (auto v = node["address"])
            for (auto &item : one_or_more(v, "address")) {
                auto range = AddressRange::parse(item.Scalar());
                if (!range)
                    fail(item, "'" + item.Scalar() + "' is not an address or CIDR block; "
                               "expected e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8");
                m.addresses.push_back(*range);
            }
        if (auto v = node["process"])
            for (auto &item : one_or_more(v, "process")) {
                if (item.Scalar().empty())
                    fail(item, "process must not be empty; expected a name, path or glob");
                m.processes.push_back(item.Scalar());
            }
        if (auto v = node["owner"]) {
            // none: no process holds the socket that trace-listen can see (a
            // kernel socket: VXLAN, WireGuard, nfsd; or fds it may not read).
            std::string owner = one_of(v, "owner", {"none", "process"});
            if (owner == "none" && (node["process"] || node["user"] || node["container"]))
                fail(v, "owner: none cannot be combined with process, user or container: a "
                        "socket without a process has none of them");
            m.owner = owner == "none" ? Matcher::Owner::None : Matcher::Owner::Process;
        }
        if (auto v = node["user"])
            for (auto &item : one_or_more(v, "user")) {
                const std::string &u = item.Scalar();
                if (auto n = number(u)) {
                    if (*n > 0xffffffffUL)
                        fail(item, "uid " + u + " is out of range");
                    m.uids.push_back(static_cast<std::uint32_t>(*n));
                } else if (u.empty()) {
                    fail(item, "user must not be empty; expected a name or a uid");
                } else {
                    // Resolved now so a rule keeps working for processes
                    // /proc could not name; kept as a name either way.
                    if (struct passwd *pw = getpwnam(u.c_str()))
                        m.uids.push_back(pw->pw_uid);
                    m.user_names.push_back(u);
                }
            }
        if (auto v = node["container"])
            for (auto &item : one_or_more(v, "container")) {
                if (item.Scalar().empty())
                    fail(item, "container must not be empty; expected an id prefix or a name "
                               "pattern");
                m.containers.push_back(item.Scalar());
            }
        if (auto v = node["netns"])
            for (auto &item : one_or_more(v, "netns"))
                m.netns.push_back(netns_inode(item));
        return m;
    }

    PortRange port_range(const YAML::Node &node, const std::vector<std::string> &protocols) const
    {
        const std::string &text = node.Scalar();
        auto in_range = [&](std::optional<unsigned long> n) {
            if (!n || *n == 0 || *n > 65535)
                fail(node, "port '" + text + "' is out of range; expected 1-65535");
            return static_cast<std::uint16_t>(*n);
        };
        if (auto n = number(text)) {
            std::uint16_t p = in_range(n);
            return {p, p};
        }
        auto dash = text.find('-');
        if (dash != std::string::npos && number(text.substr(0, dash))) {
            std::uint16_t first = in_range(number(text.substr(0, dash)));
            std::uint16_t last = in_range(number(text.substr(dash + 1)));
            if (first > last)
                fail(node, "port range '" + text + "' is backwards; expected LOW-HIGH");
            return {first, last};
        }
        // A service name, for the rule's protocol when it names exactly one.
        std::string protocol = protocols.size() == 1 ? protocols.front() : "";
        if (auto p = services_.port_of(text, protocol))
            return {*p, *p};
        fail(node, "'" + text + "' is not a port, a range (LOW-HIGH) or a known service name" +
                       (protocol.empty() ? "" : " for " + protocol) +
                       " (from /etc/services or the built-in table)");
    }

    std::uint32_t netns_inode(const YAML::Node &node) const
    {
        const std::string &text = node.Scalar();
        if (auto n = number(text)) {
            if (*n == 0 || *n > 0xffffffffUL)
                fail(node, "netns inode '" + text + "' is out of range");
            return static_cast<std::uint32_t>(*n);
        }
        if (text == "host") {
            if (std::uint32_t inode = host_netns_inode())
                return inode;
            fail(node, "netns 'host': cannot read /proc/1/ns/net or /proc/self/ns/net");
        }
        // Paths (/run/netns/NAME, /proc/PID/ns/net) are resolved now.
        const std::string &path = text;
        struct stat st {};
        if (path.empty() || path.front() != '/' || stat(path.c_str(), &st) != 0)
            fail(node, "netns '" + text + "' is not an inode number, 'host' or a readable path "
                       "like /run/netns/NAME" +
                           (path.starts_with("/") ? std::string(": ") + std::strerror(errno)
                                                  : std::string()));
        return static_cast<std::uint32_t>(st.st_ino);
    }

    std::string source_;
    const ServiceNames &services_;
};

} // namespace

Policy parse_policy(std::string_view yaml_text, const std::string &source,
                    const ServiceNames &services)
{
    if (yaml_text.size() > max_policy_bytes)
        throw PolicyError(fmt::format("{}: the policy is {} bytes; at most {} are accepted", source,
                                      yaml_text.size(), max_policy_bytes));
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception &e) {
        std::string where = e.mark.is_null()
                                ? source
                                : fmt::format("{}:{}:{}", source, e.mark.line + 1,
                                              e.mark.column + 1);
        throw PolicyError(where + ": not valid YAML: " + e.msg);
    }
    try {
        return Parser(source, services).parse(root);
    } catch (const YAML::Exception &e) {
        // A conversion yaml-cpp refused that the checks above did not foresee.
        throw PolicyError(source + ": " + e.what());
    }
}

Policy load_policy_file(const std::string &path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        throw PolicyError(path + ": cannot read the policy file: " + std::strerror(errno));
    // Judge a regular file by its size, before reading any of it: the message
    // then names its real size, not how much was read before giving up.
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
        auto size = std::filesystem::file_size(path, ec);
        if (!ec && size > max_policy_bytes)
            throw PolicyError(fmt::format("{}: the policy is {} bytes ({:.1f} MiB); at most {} "
                                          "bytes (1 MiB) are accepted",
                                          path, size, static_cast<double>(size) / (1 << 20),
                                          max_policy_bytes));
    }
    std::string text;
    char buf[65536];
    while (file.read(buf, sizeof buf) || file.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(file.gcount()));
        if (text.size() > max_policy_bytes)
            throw PolicyError(fmt::format("{}: the policy is over {} bytes (1 MiB), the most "
                                          "accepted",
                                          path, max_policy_bytes)); // a pipe: size unknown
    }
    if (file.bad())
        throw PolicyError(path + ": reading the policy file failed: " + std::strerror(errno));
    return parse_policy(text, path);
}

} // namespace tl
