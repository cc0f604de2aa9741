#include "util/text_escape.hpp"

#include "util/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace tl {

namespace {

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

} // namespace tl
