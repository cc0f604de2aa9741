// Sizes written by people ("64M", "1G", "4096"): one parser for every size
// flag and sink option, so units, limits and errors are the same everywhere.
#pragma once

#include <cstdint>
#include <string>

namespace tl {

// Digits, then an optional unit: K, M, G, T (also KB, KiB, ...; any case),
// all powers of 1024.  Throws std::invalid_argument saying what is wrong for a
// sign, a fraction, an unknown unit, or a value beyond 2^64-1 (never wraps).
std::uint64_t parse_byte_size(const std::string &text);

// The units parse_byte_size takes, for messages: "K, M, G or T (powers of 1024)".
const char *byte_size_units();

} // namespace tl
