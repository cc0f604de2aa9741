// One size parser for every size flag and sink option (issue 12).
#include <catch2/catch.hpp>

#include "util/byte_size.hpp"

using tl::parse_byte_size;
using Catch::Contains;

TEST_CASE("sizes: bytes and K/M/G/T in powers of 1024, any case")
{
    CHECK(parse_byte_size("0") == 0);
    CHECK(parse_byte_size("4096") == 4096);
    CHECK(parse_byte_size("4K") == 4096);
    CHECK(parse_byte_size("4k") == 4096);
    CHECK(parse_byte_size("4KiB") == 4096);
    CHECK(parse_byte_size("64M") == 64ULL << 20);
    CHECK(parse_byte_size("1G") == 1ULL << 30);
    CHECK(parse_byte_size("2T") == 2ULL << 40);
    CHECK(parse_byte_size("010") == 10); // decimal, not octal
    CHECK(parse_byte_size("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("sizes: signs, fractions, unknown units and overflow are errors")
{
    CHECK_THROWS_WITH(parse_byte_size("-1"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("-1K"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("+1K"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("1.5M"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("0x10"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size(""), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("K"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("5Q"), Contains("unknown unit"));
    CHECK_THROWS_WITH(parse_byte_size("4 M"), Contains("not a size"));
    CHECK_THROWS_WITH(parse_byte_size("17179869184G"), Contains("too large"));   // 2^64
    CHECK_THROWS_WITH(parse_byte_size("17592186044420M"), Contains("too large")); // was 4M
    CHECK_THROWS_WITH(parse_byte_size("18446744073709551616"), Contains("too large"));
    CHECK_THROWS_WITH(parse_byte_size("99999999999999999999999"), Contains("too large"));
}
