// Unsigned integers as decimal text, written in place: the digit count
// first (to align or size), then the digits two at a time from the end, in
// 32-bit arithmetic when the value fits (ids, ports, counts: a cheaper
// division than 64-bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tl {

namespace decimal_detail {

inline constexpr std::uint64_t powers_of_ten[] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};

} // namespace decimal_detail

[[gnu::always_inline]] constexpr std::size_t decimal_digits(std::uint64_t v)
{
    // From the bit length: log10(2) ~ 1233 / 4096, then one comparison.
    const std::size_t bits = 64 - static_cast<std::size_t>(__builtin_clzll(v | 1));
    const std::size_t guess = bits * 1233 >> 12; // digits, or one more
    return guess + 1 - ((v | 1) < decimal_detail::powers_of_ten[guess]); // v | 1: 0 has one digit too
}

namespace decimal_detail {

inline constexpr char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";

template <typename Unsigned> inline void digits_before(char *end, Unsigned value)
{
    while (value >= 100) {
        end -= 2;
        std::memcpy(end, pairs + 2 * (value % 100), 2);
        value /= 100;
    }
    if (value >= 10)
        std::memcpy(end - 2, pairs + 2 * value, 2);
    else
        end[-1] = static_cast<char>('0' + value);
}

} // namespace decimal_detail

// `value`'s digits, the last of them just before `end`.
inline void write_digits_before(char *end, std::uint64_t value)
{
    if (value <= UINT32_MAX)
        decimal_detail::digits_before<std::uint32_t>(end, static_cast<std::uint32_t>(value));
    else
        decimal_detail::digits_before<std::uint64_t>(end, value);
}

// `value` as exactly `digits` digits at `p`, zero-padded (a time's fields
// and fraction); returns the new end.
inline char *write_fixed_digits(char *p, std::uint64_t value, int digits)
{
    int i = digits;
    for (; i >= 2; i -= 2) {
        std::memcpy(p + i - 2, decimal_detail::pairs + 2 * (value % 100), 2);
        value /= 100;
    }
    if (i)
        p[0] = static_cast<char>('0' + value % 10);
    return p + digits;
}

// `value` at `p` (room for 20 digits); returns the new end.
inline char *write_decimal(char *p, std::uint64_t value)
{
    if (value < 10) { // ids, flags and counts are often 0 or small
        *p = static_cast<char>('0' + value);
        return p + 1;
    }
    char *end = p + decimal_digits(value);
    write_digits_before(end, value);
    return end;
}

} // namespace tl
