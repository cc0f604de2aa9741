// The word-at-a-time text helpers against the plain definitions they
// replace: decimal digits against std::to_string, C fields against strnlen,
// ASCII checks against a byte loop, at every boundary the tricks have.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "util/decimal_text.hpp"
#include "util/text_escape.hpp"
#include "util/utf8.hpp"

using namespace tl;

namespace {

std::string decimal(std::uint64_t v)
{
    char buf[24];
    return std::string(buf, write_decimal(buf, v));
}

} // namespace

TEST_CASE("decimal text is std::to_string's at every power of ten and for random values")
{
    auto check = [](std::uint64_t v) {
        INFO(v);
        REQUIRE(decimal(v) == std::to_string(v));
        REQUIRE(decimal_digits(v) == std::to_string(v).size());
    };
    check(0);
    check(UINT64_MAX);
    check(UINT32_MAX);
    check(std::uint64_t{UINT32_MAX} + 1);
    for (std::uint64_t p = 1;; p *= 10) {
        check(p - 1);
        check(p);
        check(p + 1);
        if (p > UINT64_MAX / 10)
            break;
    }
    std::mt19937_64 random(42);
    for (int i = 0; i < 200000; ++i)
        check(random() >> (random() % 64));
}

TEST_CASE("fixed-width digits are printf's zero-padded ones for every width a time uses")
{
    auto check = [](std::uint64_t v, int digits) {
        char buf[16], want[16];
        std::snprintf(want, sizeof want, "%0*llu", digits, static_cast<unsigned long long>(v));
        INFO(digits << " " << v);
        REQUIRE(std::string(buf, write_fixed_digits(buf, v, digits)) == want);
    };
    std::mt19937_64 random(7);
    for (int digits : {3, 6, 9}) {
        std::uint64_t limit = 1;
        for (int i = 0; i < digits; ++i)
            limit *= 10;
        for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, limit / 10, limit - 1})
            check(v, digits);
        for (int i = 0; i < 20000; ++i)
            check(random() % limit, digits);
    }
}

TEST_CASE("a C field ends at its first NUL or at its size, wherever the NUL falls in a word")
{
    for (std::size_t size : {1u, 7u, 8u, 9u, 16u, 64u}) {
        for (std::size_t nul = 0; nul <= size; ++nul) {
            std::string field(size, 'x');
            field[size - 1] = '\x80'; // a high byte must not read as the end
            if (nul < size)
                field[nul] = '\0';
            INFO("size " << size << " NUL at " << nul);
            CHECK(c_field(field.data(), size).size() == strnlen(field.data(), size));
        }
    }
}

TEST_CASE("is_ascii finds a byte above 0x7F at any position of any length")
{
    for (std::size_t n = 0; n <= 40; ++n) {
        CHECK(is_ascii(std::string(n, 'a')));
        for (std::size_t at = 0; at < n; ++at) {
            std::string text(n, 'a');
            text[at] = '\xC3';
            INFO("length " << n << " at " << at);
            CHECK_FALSE(is_ascii(text));
        }
    }
}
