#include "top/display_text.hpp"

#include <wchar.h>

#include <cstdint>

namespace tl::top {

namespace {

// One UTF-8 character at s[i]: its length and code point.  Invalid bytes
// (escape_for_terminal leaves none) count as one byte of one column.
std::size_t next_char(std::string_view s, std::size_t i, char32_t *cp)
{
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                                  : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
        *cp = U'?';
        return 1;
    }
    char32_t c = len == 1 ? b : b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
        auto n = static_cast<unsigned char>(s[i + k]);
        if ((n & 0xC0) != 0x80) {
            *cp = U'?';
            return 1;
        }
        c = (c << 6) | (n & 0x3F);
    }
    *cp = c;
    return len;
}

std::size_t char_width(char32_t cp)
{
    if (cp < 0x7F)
        return cp >= 0x20 ? 1 : 0;
    int w = wcwidth(static_cast<wchar_t>(cp));
    return w < 0 ? 1 : static_cast<std::size_t>(w);
}

} // namespace

std::size_t display_width(std::string_view s)
{
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp;
        i += next_char(s, i, &cp);
        width += char_width(cp);
    }
    return width;
}

std::string fit(std::string_view s, std::size_t width, bool right_align)
{
    std::size_t total = display_width(s);
    std::string out;
    if (total <= width) {
        std::string pad(width - total, ' ');
        return right_align ? pad + std::string(s) : std::string(s) + pad;
    }
    if (width == 0)
        return out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp;
        std::size_t len = next_char(s, i, &cp);
        std::size_t w = char_width(cp);
        if (used + w > width - 1)
            break;
        out.append(s.substr(i, len));
        used += w;
        i += len;
    }
    out += '~';
    ++used;
    out.append(width - used, ' '); // a wide character that did not fit
    return out;
}

std::vector<std::string> wrap(std::string_view s, std::size_t width)
{
    std::vector<std::string> pieces(1);
    std::size_t used = 0;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp;
        std::size_t len = next_char(s, i, &cp);
        std::size_t w = char_width(cp);
        if (used + w > width && used > 0) {
            pieces.emplace_back();
            used = 0;
        }
        pieces.back().append(s.substr(i, len));
        used += w;
        i += len;
    }
    return pieces;
}

std::string ascii_only(std::string_view text)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto b = static_cast<unsigned char>(ch);
        if (b < 0x80) {
            out += ch;
            continue;
        }
        out += "\\x";
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

} // namespace tl::top
