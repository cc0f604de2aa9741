// RFC 5424 message building: header fields, structured data escaping and
// octet-counted framing, including names chosen by an attacker.
#include <catch2/catch.hpp>

#include <regex>

#include "format/syslog_message.hpp"
#include "siem_test_events.hpp"
#include "util/text_escape.hpp"

using namespace tl;
using tl::test::siem_event;

namespace {

// Reads the PARAM-VALUE of `name` in the message's structured data back, as
// an RFC 5424 parser would: up to the first '"' not escaped by '\'.
std::optional<std::string> sd_param(const std::string &msg, const std::string &name)
{
    auto at = msg.find(" " + name + "=\"");
    if (at == std::string::npos)
        return std::nullopt;
    std::string value;
    for (std::size_t i = at + name.size() + 3; i < msg.size(); ++i) {
        if (msg[i] == '\\' && i + 1 < msg.size() &&
            (msg[i + 1] == '"' || msg[i + 1] == '\\' || msg[i + 1] == ']')) {
            value += msg[++i];
        } else if (msg[i] == '"') {
            return value;
        } else {
            value += msg[i];
        }
    }
    return std::nullopt;
}

// The message the syslog sink sends for `e`.
std::string message_for(const Event &e, int facility, std::string_view msg)
{
    std::string out;
    append_syslog_event(out, e, facility, msg);
    return out;
}

} // namespace

TEST_CASE("syslog header has PRI - version - RFC 3339 time with microseconds and MSGID per kind")
{
    Event e = siem_event(EventKind::Listen, 8080);
    std::string msg = message_for(e, syslog_facility("local3"), "{\"a\":1}\n");
    // local3 (19) * 8 + informational (6) = 158
    std::regex header(R"(^<158>1 2023-11-14T22:13:20\.123456Z \S+ trace-listen \d+ socket-listen \[origin software="trace-listen" swVersion="[^"]+"\]\[meta sequenceId="7"\]\[event@32473 .*\] \{"a":1\}$)");
    CHECK(std::regex_match(msg, header));
    CHECK(msg.find('\n') == std::string::npos);

    Event failed = siem_event(EventKind::Bind, 80, "server", 98);
    std::string warn = message_for(failed, 3, "x");
    CHECK(warn.rfind("<28>1 ", 0) == 0); // daemon warning
    CHECK(warn.find(" socket-bind [") != std::string::npos);
    CHECK(sd_param(warn, "error") == "EADDRINUSE");
}

TEST_CASE("syslog structured data escapes quote - backslash and bracket and keeps control bytes out")
{
    for (std::string name : {std::string("a\"b\\c]d"), std::string("x\ny\rz"),
                             std::string("\x1b[2Jevil"), std::string("pipe|eq=]"),
                             std::string("bad\xff\xfe"), std::string("caf\xc3")}) {
        INFO("comm: " << escape_for_terminal(name));
        Event e = siem_event(EventKind::Listen, 9000, name);
        std::string msg = message_for(e, 3, "body");
        CHECK(msg.find('\n') == std::string::npos);
        CHECK(msg.find('\r') == std::string::npos);
        CHECK(msg.find('\x1b') == std::string::npos);
        bool replaced = true;
        to_valid_utf8(msg, &replaced);
        CHECK_FALSE(replaced);
        // The value reads back as the terminal-safe form of the name, and the
        // element after it is still intact.
        CHECK(sd_param(msg, "comm") == escape_for_terminal(to_valid_utf8(name)));
        CHECK(sd_param(msg, "transport") == "tcp");
        CHECK(msg.substr(msg.size() - 6) == "] body");
    }
}

TEST_CASE("syslog header fields are printable ASCII without spaces")
{
    CHECK(syslog_header_field("my host\n", 255) == "my_host_");
    CHECK(syslog_header_field("", 48) == "-");
    CHECK(syslog_header_field(std::string(100, 'a'), 32).size() == 32);
    CHECK_THROWS_WITH(syslog_facility("nope"), Catch::Contains("unknown syslog facility"));
    CHECK(syslog_facility("local7") == 23);
}

TEST_CASE("octet counting prefixes the byte length - not the character count")
{
    CHECK(octet_counted("abc") == "3 abc");
    CHECK(octet_counted("caf\xc3\xa9") == "5 caf\xc3\xa9");
    CHECK(octet_counted("a\nb") == "3 a\nb");
}

TEST_CASE("sequenceId stays in RFC 5424 1..2147483647")
{
    Event e = siem_event(EventKind::Listen, 1);
    e.sequence = 2147483647;
    CHECK(sd_param(message_for(e, 3, ""), "sequenceId") ==
          "2147483647");
    e.sequence = 2147483648ULL;
    CHECK(sd_param(message_for(e, 3, ""), "sequenceId") ==
          "1");
}
