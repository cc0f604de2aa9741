#include <catch2/catch.hpp>

#include "format/json_format.hpp"

using namespace tl;

TEST_CASE("a JSON line has no raw control characters - C0 or C1 - and still parses")
{
    nlohmann::json doc = {{"name", "a\nb\x1b[2J\xc2\x9b" "31m\xc2\x85z\xc3\xa9"}};
    std::string line = json_line(doc);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find("\xc2\x9b") == std::string::npos);
    CHECK(line.find("\xc2\x85") == std::string::npos);
    CHECK(line.find("\\u009b") != std::string::npos);
    CHECK(line.find("\xc3\xa9") != std::string::npos); // é is not a control
    CHECK(nlohmann::json::parse(line) == doc);          // same text after parsing
}
