// One step of UTF-8 decoding, shared by every place that checks or repairs
// text chosen by others (names, arguments, paths): the terminal escaping, the
// JSON writer and the syslog structured data all agree on what is invalid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/byte_words.hpp"

namespace tl {

// A valid sequence at s[i] (its code point and length) or, when invalid, the
// length of its "maximal subpart": the longest prefix that could still have
// begun a valid sequence, at least one byte.  One U+FFFD per maximal subpart
// is the Unicode-recommended practice that Python, Go and the WHATWG encoding
// standard follow (E2 82 41 -> FFFD 'A').
struct Utf8Step {
    std::size_t length;
    bool valid;
    std::uint32_t cp;
};

inline Utf8Step utf8_step(std::string_view s, std::size_t i)
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

// True when every byte is below 0x80 (the common case: checked 8 at a time).
inline bool is_ascii(std::string_view s)
{
    // The high bits of every byte ORed together: words, the last one
    // overlapping, instead of a byte loop for the tail; a short text is one
    // word (byte_words::short_word).
    const char *p = s.data();
    const std::size_t n = s.size();
    if (n >= 8) {
        std::uint64_t any = 0, word;
        for (std::size_t i = 0; i + 8 <= n; i += 8) {
            std::memcpy(&word, p + i, 8);
            any |= word;
        }
        std::memcpy(&word, p + n - 8, 8);
        return !((any | word) & byte_words::highs);
    }
    return n == 0 || !(byte_words::short_word(p, n, 0) & byte_words::highs);
}

inline bool is_valid_utf8(std::string_view s)
{
    if (is_ascii(s))
        return true;
    for (std::size_t i = 0; i < s.size();) {
        Utf8Step step = utf8_step(s, i);
        if (!step.valid)
            return false;
        i += step.length;
    }
    return true;
}

} // namespace tl
