// Text checked eight bytes at a time: a word's bytes tested in parallel by
// the borrow and carry tricks (each mark is exact for the lowest byte that
// has the property; bytes above it may be marked too, so test for "any").
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tl::byte_words {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

// The high bit of each byte that is 0.
constexpr std::uint64_t zero_bytes(std::uint64_t w) { return (w - ones) & ~w & highs; }
// ... that is below `limit` (at most 0x80).
constexpr std::uint64_t bytes_below(std::uint64_t w, unsigned char limit) { return (w - limit * ones) & ~w & highs; }
// ... that equals `c`.
constexpr std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) { return zero_bytes(w ^ (c * ones)); }
// ... that is 0x7F or above (DEL, or not ASCII).
constexpr std::uint64_t bytes_from_del(std::uint64_t w) { return (w | (w + ones)) & highs; }

// The 1..7 bytes of a short text as one word, the bytes above them `pad`:
// overlapping loads inside [s, s + n), no per-byte loop.
inline std::uint64_t short_word(const char *s, std::size_t n, unsigned char pad)
{
    std::uint64_t word;
    if (n >= 4) {
        std::uint32_t lo, hi;
        std::memcpy(&lo, s, 4);
        std::memcpy(&hi, s + n - 4, 4);
        word = lo | (std::uint64_t{hi} << (8 * (n - 4)));
    } else {
        word = static_cast<unsigned char>(s[0]) | (std::uint64_t{static_cast<unsigned char>(s[n / 2])} << (8 * (n / 2))) |
               (std::uint64_t{static_cast<unsigned char>(s[n - 1])} << (8 * (n - 1)));
    }
    return word | ((pad * ones) << (8 * n)); // n < 8: the shift is defined
}

// The n bytes at s copied to d without a library call when n is small (the
// names, numbers and fragments of a line): overlapping word loads and
// stores inside [s, s + n) and [d, d + n).
[[gnu::always_inline]] inline void copy_small(char *d, const char *s, std::size_t n)
{
    if (n >= 8) {
        if (n > 16) {
            std::memcpy(d, s, n);
            return;
        }
        std::uint64_t a, b;
        std::memcpy(&a, s, 8);
        std::memcpy(&b, s + n - 8, 8);
        std::memcpy(d, &a, 8);
        std::memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, s, 4);
        std::memcpy(&b, s + n - 4, 4);
        std::memcpy(d, &a, 4);
        std::memcpy(d + n - 4, &b, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

} // namespace tl::byte_words
