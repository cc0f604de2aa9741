#include "util/byte_size.hpp"

#include <CLI/Error.hpp>
#include <CLI/Validators.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace tl {

const char *byte_size_units() { return "K, M, G or T (powers of 1024)"; }

std::uint64_t parse_byte_size(const std::string &text)
{
    // CLI11 converts with strtoull(base 0): it would take "-1" as 2^64-1 and
    // "010" as octal.  Only plain decimal digits reach it.
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    std::size_t unit = digits;
    while (unit < text.size() && std::isalpha(static_cast<unsigned char>(text[unit])))
        ++unit;
    if (digits == 0 || unit != text.size())
        throw std::invalid_argument("'" + text + "' is not a size: expected a whole number of " +
                                    "bytes, optionally followed by " + byte_size_units() +
                                    ", e.g. 64M");
    std::string number = text.substr(0, digits);
    number.erase(0, std::min(number.find_first_not_of('0'), number.size() - 1));
    // strtoull saturates silently; 2^64-1 has 20 digits.
    if (number.size() > 20 || (number.size() == 20 && number > "18446744073709551615"))
        throw std::invalid_argument("'" + text + "' is too large (at most 2^64-1 bytes)");
    std::string converted = number + text.substr(digits);
    try {
        static const CLI::AsSizeValue sizes(false);
        std::string error = sizes(converted); // rewrites `converted` to a byte count
        if (!error.empty())
            throw std::invalid_argument(error);
    } catch (const CLI::ValidationError &e) {
        std::string why = e.what();
        if (why.find("overflow") != std::string::npos)
            throw std::invalid_argument("'" + text + "' is too large (at most 2^64-1 bytes)");
        throw std::invalid_argument("'" + text + "' has an unknown unit: use " +
                                    std::string(byte_size_units()));
    }
    std::uint64_t bytes = 0;
    for (char c : converted) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            throw std::invalid_argument("'" + text + "' is not a size");
        bytes = bytes * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return bytes;
}

} // namespace tl
