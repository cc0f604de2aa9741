#include "format/time_text.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>

#include "util/decimal_text.hpp"

namespace tl {

namespace {

// The whole-second part of a time, as text, for the last second asked for
// (events come in time order: nearly every call is a hit).
struct SecondText {
    std::int64_t second = INT64_MIN;
    char text[32] = {};
    std::size_t length = 0;
};

void floor_split(std::int64_t wall_ns, std::int64_t unit, std::int64_t &whole, std::int64_t &rest)
{
    whole = wall_ns / unit;
    rest = wall_ns % unit;
    if (rest < 0) {
        rest += unit;
        --whole;
    }
}

} // namespace

char *write_rfc3339_utc(char *p, std::int64_t wall_ns, int fraction_digits)
{
    // Two entries: an event's own time and its process's start alternate.
    thread_local SecondText caches[2];
    thread_local unsigned next = 0;
    std::int64_t secs = 0, nanos = 0;
    floor_split(wall_ns, 1'000'000'000, secs, nanos);
    SecondText *hit = caches[0].second == secs ? &caches[0] : caches[1].second == secs ? &caches[1] : nullptr;
    if (!hit) {
        hit = &caches[next];
        next ^= 1;
    }
    SecondText &cache = *hit;
    if (cache.second != secs) {
        time_t t = static_cast<time_t>(secs);
        struct tm tm {};
        gmtime_r(&t, &tm);
        cache.length = strftime(cache.text, sizeof cache.text, "%Y-%m-%dT%H:%M:%S", &tm);
        cache.second = secs;
    }
    std::memcpy(p, cache.text, 24); // one fixed-size copy; the length counts
    p += cache.length;
    *p++ = '.';
    if (fraction_digits == 6)
        p = write_fixed_digits(p, static_cast<std::uint64_t>(nanos / 1000), 6);
    else
        p = write_fixed_digits(p, static_cast<std::uint64_t>(nanos), 9);
    *p++ = 'Z';
    return p;
}

void append_rfc3339_utc(std::string &out, std::int64_t wall_ns, int fraction_digits)
{
    char buf[rfc3339_room];
    out.append(buf, static_cast<std::size_t>(write_rfc3339_utc(buf, wall_ns, fraction_digits) - buf));
}

char *write_local_time(char *p, std::int64_t wall_ns, bool with_date)
{
    thread_local SecondText cache[2];
    SecondText &c = cache[with_date ? 1 : 0];
    // Truncating division, as the table always did (a time before 1970 is
    // not a case worth a different rounding).
    std::int64_t secs = wall_ns / 1'000'000'000;
    // tzset() (a test, a long-running process told of a new zone) starts over.
    thread_local const char *zone = nullptr;
    thread_local long offset = 0;
    if (zone != tzname[0] || offset != timezone) {
        zone = tzname[0];
        offset = timezone;
        cache[0].second = cache[1].second = INT64_MIN;
    }
    if (c.second != secs) {
        time_t t = static_cast<time_t>(secs);
        struct tm tm {};
        localtime_r(&t, &tm);
        c.length = strftime(c.text, sizeof c.text, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
        c.second = secs;
    }
    static_assert(sizeof c.text == 32);
    std::memcpy(p, c.text, 24); // one fixed-size copy; the length counts
    p += c.length;
    *p++ = '.';
    // As before: printf("%03d") of the millisecond remainder (negative for
    // times before 1970, shown as such).
    if (wall_ns < 0)
        return p + snprintf(p, 8, "%03d", static_cast<int>((wall_ns / 1'000'000) % 1000));
    return write_fixed_digits(p, static_cast<std::uint64_t>((wall_ns - secs * 1'000'000'000) / 1'000'000), 3);
}

void append_local_time(std::string &out, std::int64_t wall_ns, bool with_date)
{
    char buf[local_time_room];
    out.append(buf, static_cast<std::size_t>(write_local_time(buf, wall_ns, with_date) - buf));
}

} // namespace tl
