// Names and arguments are chosen by whoever runs a process: make them safe
// for a terminal and for JSON without losing what they were.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/byte_words.hpp"

namespace tl {

// For a terminal: control characters (C0, DEL, C1), backslashes and invalid
// UTF-8 bytes become \n, \t, \\ or \xNN; valid printable UTF-8 stays.
std::string escape_for_terminal(std::string_view text);

// Valid UTF-8 as is; otherwise each invalid byte becomes U+FFFD.
// `replaced` tells whether anything was replaced.
std::string to_valid_utf8(std::string_view text, bool *replaced = nullptr);

std::string base64_encode(std::string_view bytes);

// A C string field from the kernel: up to the first NUL, at most `size`.
inline std::string_view c_field(const char *field, std::size_t size)
{
    // A word at a time: the lowest zero byte's mark is exact.
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, field + i, 8);
        if (std::uint64_t zero = byte_words::zero_bytes(word))
            return {field, i + static_cast<std::size_t>(__builtin_ctzll(zero) >> 3)};
    }
    for (; i < size; ++i)
        if (!field[i])
            return {field, i};
    return {field, size};
}

} // namespace tl
