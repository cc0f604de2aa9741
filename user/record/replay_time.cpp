#include "record/replay_time.hpp"

#include <cctype>
#include <cstdio>
#include <charconv>
#include <ctime>
#include <stdexcept>

namespace tl::record {

namespace {

[[noreturn]] void bad(const std::string &text)
{
    throw std::invalid_argument("'" + text +
                                "' is not a time: use 2024-05-01T12:00:00Z (RFC 3339, optional "
                                "fraction and offset) or Unix seconds");
}

// Up to 9 fraction digits after '.', as ns; advances pos.
std::int64_t fraction_ns(const std::string &text, std::size_t &pos)
{
    if (pos >= text.size() || text[pos] != '.')
        return 0;
    ++pos;
    std::int64_t ns = 0;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 9) {
            ns = ns * 10 + (text[pos] - '0');
            ++digits;
        }
        ++pos;
    }
    if (digits == 0)
        bad(text);
    for (; digits < 9; ++digits)
        ns *= 10;
    return ns;
}

} // namespace

std::int64_t parse_time_bound(const std::string &text)
{
    if (text.empty())
        bad(text);
    if (text.find_first_not_of("0123456789.") == std::string::npos) {
        std::int64_t seconds = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec != std::errc() || seconds > 9'000'000'000)
            bad(text);
        std::size_t pos = static_cast<std::size_t>(end - text.data());
        std::int64_t ns = fraction_ns(text, pos);
        if (pos != text.size())
            bad(text);
        return seconds * 1'000'000'000 + ns;
    }
    std::tm tm{};
    const char *rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        rest = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (!rest)
        bad(text);
    std::size_t pos = static_cast<std::size_t>(rest - text.c_str());
    std::int64_t ns = fraction_ns(text, pos);
    std::int64_t offset_s = 0;
    if (pos < text.size()) {
        char c = text[pos];
        if (c == 'Z' || c == 'z') {
            ++pos;
        } else if (c == '+' || c == '-') {
            int hh = 0, mm = 0;
            if (text.size() - pos != 6 || text[pos + 3] != ':' ||
                std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &hh, &mm) != 2 || hh > 23 || mm > 59)
                bad(text);
            offset_s = (c == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
            pos = text.size();
        }
    }
    if (pos != text.size())
        bad(text);
    std::int64_t seconds = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
    if (seconds < 0 || seconds > 9'000'000'000) // ns since 1970 fit in 64 bits until 2262
        throw std::invalid_argument("'" + text + "' is outside 1970..2255");
    return seconds * 1'000'000'000 + ns;
}

} // namespace tl::record
