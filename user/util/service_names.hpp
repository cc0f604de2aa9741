// Well-known service names for ports ("ssh" <-> 22/tcp): from /etc/services
// where present, with a built-in table so names work on minimal systems too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tl {

class ServiceNames {
public:
    // The built-in table only.
    ServiceNames();
    // The built-in table, overridden by entries of an /etc/services-format text.
    static ServiceNames from_services_text(std::string_view text);

    // protocol: "tcp", "udp", or empty for any.
    std::optional<std::uint16_t> port_of(std::string_view name, std::string_view protocol = {}) const;
    // Empty when the port has no well-known name.
    std::string name_of(std::uint16_t port, std::string_view protocol) const;
    // The same, viewing the table (which lives as long as this object);
    // `protocol` in lower case.
    std::string_view find(std::uint16_t port, std::string_view protocol) const;

    void add(std::string name, std::uint16_t port, std::string protocol);

private:
    explicit ServiceNames(bool with_builtin);
    // find()'s lookup for tcp and udp, made once the table is complete:
    // (port, name) sorted by port, a binary search instead of a map walk
    // comparing strings (decode looks a name up for every event).
    void index();
    using PortNames = std::vector<std::pair<std::uint16_t, std::string>>;
    PortNames tcp_names_, udp_names_;
    // Which ports have a name at all, one bit a port (8 KiB a protocol):
    // most events are on unnamed ports, told without the search.
    using PortBits = std::vector<std::uint64_t>;
    PortBits tcp_named_, udp_named_;
    bool indexed_ = false; // false after add(): find() reads the map
    std::map<std::pair<std::string, std::string>, std::uint16_t> ports_; // (name, proto) -> port
    std::map<std::pair<std::uint16_t, std::string>, std::string> names_; // (port, proto) -> name
};

// /etc/services (read once) over the built-in table.
const ServiceNames &system_service_names();

} // namespace tl
