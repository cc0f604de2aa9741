#include "record/crc32c.hpp"

#include <array>

namespace tl::record {

namespace {
constexpr std::array<std::uint32_t, 256> make_table()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1; // reflected Castagnoli polynomial
        table[i] = c;
    }
    return table;
}
constexpr auto table = make_table();
} // namespace

std::uint32_t crc32c(const void *data, std::size_t size, std::uint32_t crc)
{
    auto *p = static_cast<const unsigned char *>(data);
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

} // namespace tl::record
