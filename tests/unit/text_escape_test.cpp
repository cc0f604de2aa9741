#include <catch2/catch.hpp>

#include "text_escape.hpp"

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

TEST_CASE("base64 matches RFC 4648 test vectors")
{
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
}
