#include "util/text_escape.hpp"

#include <cstdint>
#include <cstring>

namespace tl {

namespace {

// One step of UTF-8 decoding at s[i]: a valid sequence (its code point and
// length) or, when invalid, the length of its "maximal subpart" - the longest
// prefix that could still have begun a valid sequence, at least one byte.
// One U+FFFD per maximal subpart is the Unicode-recommended practice that
// Python, Go and the WHATWG encoding standard follow (E2 82 41 -> FFFD 'A').
struct Utf8Step {
    std::size_t length;
    bool valid;
    std::uint32_t cp;
};

Utf8Step utf8_step(std::string_view s, std::size_t i)
{
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char b = byte(0);
    if (b < 0x80)
        return {1, true, b};
    std::size_t need;
    unsigned char lo = 0x80, hi = 0xBF; // the range allowed for the second byte
    std::uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1, cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2, cp = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0; // overlong
        if (b == 0xED)
            hi = 0x9F; // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3, cp = b & 0x07;
        if (b == 0xF0)
            lo = 0x90; // overlong
        if (b == 0xF4)
            hi = 0x8F; // above U+10FFFF
    } else {
        return {1, false, 0}; // a continuation byte, C0, C1 or F5..FF
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size())
            return {k, false, 0};
        unsigned char c = byte(k);
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF))
            return {k, false, 0};
        cp = (cp << 6) | (c & 0x3F);
    }
    return {need + 1, true, cp};
}

void append_hex(std::string &out, unsigned char b)
{
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[b >> 4];
    out += digits[b & 15];
}

} // namespace

std::string escape_for_terminal(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto [len, valid, cp] = utf8_step(text, i);
        if (!valid) {
            for (std::size_t k = 0; k < len; ++k)
                append_hex(out, static_cast<unsigned char>(text[i + k]));
            i += len;
            continue;
        }
        if (cp == '\\') {
            out += "\\\\";
        } else if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\t') {
            out += "\\t";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            for (std::size_t k = 0; k < len; ++k)
                append_hex(out, static_cast<unsigned char>(text[i + k]));
        } else {
            out.append(text.substr(i, len));
        }
        i += len;
    }
    return out;
}

std::string to_valid_utf8(std::string_view text, bool *replaced)
{
    std::string out;
    out.reserve(text.size());
    bool any = false;
    for (std::size_t i = 0; i < text.size();) {
        auto [len, valid, cp] = utf8_step(text, i);
        if (valid) {
            out.append(text.substr(i, len));
        } else {
            out += "\xEF\xBF\xBD";
            any = true;
        }
        i += len;
    }
    if (replaced)
        *replaced = any;
    return out;
}

std::string base64_encode(std::string_view bytes)
{
    static constexpr char table[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                          (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                          static_cast<unsigned char>(bytes[i + 2]);
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (std::size_t rest = bytes.size() - i) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2)
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += rest == 2 ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string_view c_field(const char *field, std::size_t size)
{
    return {field, strnlen(field, size)};
}

} // namespace tl
