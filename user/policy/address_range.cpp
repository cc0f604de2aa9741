#include "policy/address_range.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tl {

std::optional<AddressRange> AddressRange::parse(std::string_view text)
{
    AddressRange range;
    auto slash = text.find('/');
    std::string address(text.substr(0, slash));
    if (inet_pton(AF_INET, address.c_str(), range.addr_) == 1) {
        range.family_ = AF_INET;
        range.prefix_ = 32;
    } else if (inet_pton(AF_INET6, address.c_str(), range.addr_) == 1) {
        range.family_ = AF_INET6;
        range.prefix_ = 128;
    } else {
        return std::nullopt;
    }
    if (slash != std::string_view::npos) {
        std::string_view digits = text.substr(slash + 1);
        unsigned prefix = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
            prefix > range.prefix_)
            return std::nullopt;
        range.prefix_ = prefix;
    }
    return range;
}

namespace {
bool prefix_equal(const std::uint8_t *a, const std::uint8_t *b, unsigned bits)
{
    unsigned bytes = bits / 8;
    if (std::memcmp(a, b, bytes) != 0)
        return false;
    unsigned rest = bits % 8;
    if (rest == 0)
        return true;
    std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

bool is_v4_mapped(const std::uint8_t (&a)[16])
{
    return std::all_of(a, a + 10, [](std::uint8_t b) { return b == 0; }) && a[10] == 0xff &&
           a[11] == 0xff;
}
} // namespace

bool AddressRange::contains(std::uint16_t family, const std::uint8_t (&addr)[16]) const
{
    if (family == AF_INET6 && family_ == AF_INET && is_v4_mapped(addr))
        return prefix_equal(addr + 12, addr_, prefix_);
    if (family != family_)
        return false;
    return prefix_equal(addr, addr_, prefix_);
}

std::string AddressRange::text() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family_, addr_, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix_);
}

} // namespace tl
