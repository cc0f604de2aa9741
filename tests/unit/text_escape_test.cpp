#include <catch2/catch.hpp>

#include "util/text_escape.hpp"

using namespace tl;

TEST_CASE("terminal escaping neutralises control characters and bad bytes")
{
    CHECK(escape_for_terminal("nginx") == "nginx");
    CHECK(escape_for_terminal("a\nb") == "a\\nb");
    CHECK(escape_for_terminal("\x1b[31mred") == "\\x1b[31mred");
    CHECK(escape_for_terminal("back\\slash") == "back\\\\slash");
    CHECK(escape_for_terminal(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(escape_for_terminal("\xff\xfe") == "\\xff\\xfe");
    CHECK(escape_for_terminal("caf\xc3\xa9") == "caf\xc3\xa9");     // valid UTF-8 stays
    CHECK(escape_for_terminal("\xc2\x9b" "2J") == "\\xc2\\x9b2J");  // C1 CSI is escaped
}

TEST_CASE("invalid UTF-8 is replaced visibly and reported")
{
    bool replaced = false;
    CHECK(to_valid_utf8("ok", &replaced) == "ok");
    CHECK_FALSE(replaced);
    CHECK(to_valid_utf8("a\xffz", &replaced) == "a\xEF\xBF\xBDz");
    CHECK(replaced);
    CHECK(to_valid_utf8("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
}

TEST_CASE("invalid UTF-8: one U+FFFD per maximal ill-formed subsequence, as Python and Go do")
{
    // Expected values from python3: bytes.decode("utf-8", "replace").
    CHECK(to_valid_utf8("\xe2\x82\x41") == "\xef\xbf\xbd\x41");
    CHECK(to_valid_utf8("\xf0\x9f\x98") == "\xef\xbf\xbd");
    CHECK(to_valid_utf8("\xf0\x9f\x41") == "\xef\xbf\xbd\x41");
    CHECK(to_valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(to_valid_utf8("\xf4\x90\x80\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(to_valid_utf8("\xe0\x80\xaf") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(to_valid_utf8("\x61\xe2\x82") == "\x61\xef\xbf\xbd");
    CHECK(to_valid_utf8("\x80\x80") == "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(to_valid_utf8("\xf0\x9f\x98\x80\x6f\x6b") == "\xf0\x9f\x98\x80\x6f\x6b");
    CHECK(to_valid_utf8("\xed\x9f\xbf") == "\xed\x9f\xbf");
}

TEST_CASE("base64 matches RFC 4648 test vectors")
{
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
}
