#include "util/service_names.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace tl {

namespace {

struct BuiltinService {
    const char *name;
    std::uint16_t port;
    const char *protocols; // "tcp", "udp" or "tcp,udp"
};

// What a server commonly listens on; used when /etc/services is missing
// (containers, distroless images) so `port: ssh` still means 22.
constexpr BuiltinService builtin_services[] = {
    {"ftp-data", 20, "tcp"},       {"ftp", 21, "tcp"},
    {"ssh", 22, "tcp,udp"},        {"telnet", 23, "tcp"},
    {"smtp", 25, "tcp"},           {"domain", 53, "tcp,udp"},
    {"bootps", 67, "udp"},         {"bootpc", 68, "udp"},
    {"tftp", 69, "udp"},           {"http", 80, "tcp,udp"},
    {"kerberos", 88, "tcp,udp"},   {"pop3", 110, "tcp"},
    {"sunrpc", 111, "tcp,udp"},    {"ntp", 123, "udp"},
    {"netbios-ns", 137, "udp"},    {"netbios-dgm", 138, "udp"},
    {"netbios-ssn", 139, "tcp"},   {"imap2", 143, "tcp"},
    {"snmp", 161, "udp"},          {"snmp-trap", 162, "udp"},
    {"ldap", 389, "tcp,udp"},      {"https", 443, "tcp,udp"},
    {"microsoft-ds", 445, "tcp"},  {"submissions", 465, "tcp"},
    {"syslog", 514, "udp"},        {"submission", 587, "tcp"},
    {"ldaps", 636, "tcp"},         {"rsync", 873, "tcp"},
    {"imaps", 993, "tcp"},         {"pop3s", 995, "tcp"},
    {"socks", 1080, "tcp"},        {"ms-sql-s", 1433, "tcp"},
    {"openvpn", 1194, "tcp,udp"},  {"radius", 1812, "udp"},
    {"nfs", 2049, "tcp,udp"},      {"etcd-client", 2379, "tcp"},
    {"mysql", 3306, "tcp"},        {"ms-wbt-server", 3389, "tcp"},
    {"postgresql", 5432, "tcp"},   {"amqp", 5672, "tcp"},
    {"x11", 6000, "tcp"},          {"redis", 6379, "tcp"},
    {"kubelet", 10250, "tcp"},     {"http-alt", 8080, "tcp"},
    {"memcache", 11211, "tcp,udp"}, {"mongodb", 27017, "tcp"},
    {"elasticsearch", 9200, "tcp"}, {"kafka", 9092, "tcp"},
    {"zookeeper", 2181, "tcp"},    {"prometheus", 9090, "tcp"},
    {"vnc", 5900, "tcp"},          {"mdns", 5353, "udp"},
};

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

} // namespace

ServiceNames::ServiceNames() : ServiceNames(true) {}

ServiceNames::ServiceNames(bool with_builtin)
{
    if (!with_builtin)
        return;
    for (const auto &s : builtin_services) {
        std::stringstream protocols(s.protocols);
        std::string protocol;
        while (std::getline(protocols, protocol, ','))
            add(s.name, s.port, protocol);
    }
    index();
}

void ServiceNames::index()
{
    tcp_names_.clear();
    udp_names_.clear();
    tcp_named_.assign(65536 / 64, 0);
    udp_named_.assign(65536 / 64, 0);
    for (const auto &[key, name] : names_) { // sorted by port already
        const std::uint16_t port = key.first;
        if (key.second == "tcp") {
            tcp_names_.emplace_back(port, name);
            tcp_named_[port / 64] |= std::uint64_t{1} << (port % 64);
        } else if (key.second == "udp") {
            udp_names_.emplace_back(port, name);
            udp_named_[port / 64] |= std::uint64_t{1} << (port % 64);
        }
    }
    indexed_ = true;
}

void ServiceNames::add(std::string name, std::uint16_t port, std::string protocol)
{
    indexed_ = false;
    name = lower(name);
    protocol = lower(protocol);
    ports_[{name, protocol}] = port;
    // The first name of a port wins (the canonical one in /etc/services).
    names_.try_emplace({port, protocol}, std::move(name));
}

ServiceNames ServiceNames::from_services_text(std::string_view text)
{
    ServiceNames services;
    // Entries from the file replace the built-in names of their port.
    ServiceNames from_file(false);
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream fields(line);
        std::string name, port_proto, alias;
        if (!(fields >> name >> port_proto))
            continue;
        auto slash = port_proto.find('/');
        if (slash == std::string::npos)
            continue;
        unsigned port = 0;
        auto [end, ec] =
            std::from_chars(port_proto.data(), port_proto.data() + slash, port);
        if (ec != std::errc() || end != port_proto.data() + slash || port == 0 || port > 65535)
            continue;
        std::string protocol = port_proto.substr(slash + 1);
        from_file.add(name, static_cast<std::uint16_t>(port), protocol);
        while (fields >> alias)
            from_file.ports_[{lower(alias), lower(protocol)}] = static_cast<std::uint16_t>(port);
    }
    for (auto &[key, name] : from_file.names_)
        services.names_[key] = name;
    for (auto &[key, port] : from_file.ports_)
        services.ports_[key] = port;
    services.index();
    return services;
}

std::optional<std::uint16_t> ServiceNames::port_of(std::string_view name,
                                                   std::string_view protocol) const
{
    std::string key = lower(name);
    if (!protocol.empty()) {
        auto it = ports_.find({key, lower(protocol)});
        if (it != ports_.end())
            return it->second;
        return std::nullopt;
    }
    for (const char *p : {"tcp", "udp"})
        if (auto it = ports_.find({key, p}); it != ports_.end())
            return it->second;
    return std::nullopt;
}

std::string ServiceNames::name_of(std::uint16_t port, std::string_view protocol) const
{
    auto it = names_.find({port, lower(protocol)});
    return it == names_.end() ? std::string() : it->second;
}

std::string_view ServiceNames::find(std::uint16_t port, std::string_view protocol) const
{
    if (indexed_ && (protocol == "tcp" || protocol == "udp")) {
        const bool tcp = protocol[0] == 't';
        if (!((tcp ? tcp_named_ : udp_named_)[port / 64] >> (port % 64) & 1))
            return {};
        const PortNames &names = tcp ? tcp_names_ : udp_names_;
        auto it = std::lower_bound(names.begin(), names.end(), port,
                                   [](const auto &entry, std::uint16_t p) { return entry.first < p; });
        return it != names.end() && it->first == port ? std::string_view(it->second) : std::string_view();
    }
    auto it = names_.find({port, std::string(protocol)});
    return it == names_.end() ? std::string_view() : std::string_view(it->second);
}

const ServiceNames &system_service_names()
{
    static const ServiceNames services = [] {
        std::ifstream file("/etc/services");
        if (!file)
            return ServiceNames();
        std::stringstream text;
        text << file.rdbuf();
        return ServiceNames::from_services_text(text.str());
    }();
    return services;
}

} // namespace tl
