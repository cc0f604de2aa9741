#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "format/json_writer.hpp"

using namespace tl;

namespace {
std::string line_of(std::string_view name)
{
    std::string line;
    {
        JsonWriter w(line); // the line is complete when the writer is finished
        w.begin_object();
        w.text("name", name);
        w.end_object();
    }
    return line + "\n";
}
} // namespace

TEST_CASE("a JSON line has no raw control characters - C0 or C1 - and still parses")
{
    std::string name = "a\nb\x1b[2J\xc2\x9b" "31m\xc2\x85z\xc3\xa9";
    std::string line = line_of(name);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find("\xc2\x9b") == std::string::npos);
    CHECK(line.find("\xc2\x85") == std::string::npos);
    CHECK(line.find("\\u009b") != std::string::npos);
    CHECK(line.find("\xc3\xa9") != std::string::npos); // é is not a control
    CHECK(nlohmann::json::parse(line)["name"] == name); // same text after parsing
}

TEST_CASE("the JSON writer replaces each maximal ill-formed subsequence by one U+FFFD")
{
    // As Python's and Go's decoders do: E2 82 41 is one U+FFFD then 'A';
    // a lone continuation byte, an overlong C0 AF and a surrogate ED A0 80
    // are one U+FFFD per maximal subpart.
    CHECK(nlohmann::json::parse(line_of("\xe2\x82\x41"))["name"] == "\xef\xbf\xbd" "A");
    CHECK(nlohmann::json::parse(line_of("\x80x"))["name"] == "\xef\xbf\xbdx");
    CHECK(nlohmann::json::parse(line_of("\xc0\xaf"))["name"] == "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(nlohmann::json::parse(line_of("\xed\xa0\x80"))["name"] ==
          "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(nlohmann::json::parse(line_of(std::string("a\0b", 3)))["name"] == std::string("a\0b", 3));
    CHECK(line_of("q\"b\\s\x7f").find(R"("q\"b\\s)" "\x7f\"") != std::string::npos);
}

TEST_CASE("the JSON writer separates members and array elements with single commas")
{
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.number("a", 1);
    w.array("b");
    w.number(std::uint64_t{2});
    w.begin_object();
    w.end_object();
    w.string("x");
    w.end_array();
    w.object("c");
    w.boolean("d", false);
    w.signed_number("e", -5);
    w.end_object();
    w.quoted_decimal("f", 33);
    w.members(R"("g":1,"h":2)");
    w.end_object();
    w.finish();
    CHECK(out == R"({"a":1,"b":[2,{},"x"],"c":{"d":false,"e":-5},"f":"33","g":1,"h":2})");
}
