// An address block in CIDR notation (10.0.0.0/8, fd00::/8, 127.0.0.1), as
// used by policy rules to say where a listener may be bound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tl {

class AddressRange {
public:
    // nullopt when `text` is not ADDRESS or ADDRESS/PREFIX.
    static std::optional<AddressRange> parse(std::string_view text);

    // family AF_INET / AF_INET6, address in network order (IPv4 in the first
    // 4 bytes).  An IPv4-mapped IPv6 address matches as the IPv4 address.
    bool contains(std::uint16_t family, const std::uint8_t (&addr)[16]) const;
    std::string text() const;

private:
    std::uint16_t family_ = 0;
    std::uint8_t addr_[16] = {};
    unsigned prefix_ = 0;
};

} // namespace tl
