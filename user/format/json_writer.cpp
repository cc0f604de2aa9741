#include "format/json_writer.hpp"

#include <cstring>

#include "util/utf8.hpp"

namespace tl {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u00(std::string &out, unsigned char c)
{
    char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15]};
    out.append(esc, 6);
}

// Bytes copied as they are: printable ASCII except '"' and '\'.
constexpr bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

} // namespace

void append_json_string(std::string &out, std::string_view text)
{
    std::size_t plain_run = 0;
    while (plain_run < text.size() && plain(static_cast<unsigned char>(text[plain_run])))
        ++plain_run;
    if (plain_run == text.size()) { // the common case: nothing to escape
        std::size_t at = out.size();
        out.resize(at + text.size() + 2);
        char *p = out.data() + at;
        *p = '"';
        std::memcpy(p + 1, text.data(), text.size());
        p[text.size() + 1] = '"';
        return;
    }
    out += '"';
    append_json_text(out, text);
    out += '"';
}

void append_json_text(std::string &out, std::string_view text)
{
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        std::size_t run = i;
        while (run < n && plain(static_cast<unsigned char>(text[run])))
            ++run;
        if (run > i) {
            out.append(text.data() + i, run - i);
            i = run;
            if (i == n)
                break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: append_u00(out, c); break;
            }
            ++i;
            continue;
        }
        Utf8Step step = utf8_step(text, i);
        if (!step.valid)
            out += "\xEF\xBF\xBD";
        else if (step.cp < 0xA0) // C1 control
            append_u00(out, static_cast<unsigned char>(step.cp));
        else
            out.append(text.data() + i, step.length);
        i += step.length;
    }
}

void append_decimal(std::string &out, std::uint64_t value)
{
    char buf[20];
    char *end = buf + sizeof buf, *p = end;
    do {
        *--p = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value);
    out.append(p, static_cast<std::size_t>(end - p));
}

void append_decimal(std::string &out, std::int64_t value)
{
    if (value < 0) {
        out += '-';
        append_decimal(out, static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(value));
    } else {
        append_decimal(out, static_cast<std::uint64_t>(value));
    }
}

} // namespace tl
