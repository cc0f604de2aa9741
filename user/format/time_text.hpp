// Times as the formats write them, without gmtime/strftime per event: the
// date and time of day are computed once per second and reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tl {

// 2023-11-14T22:13:20.123456789Z (UTC); `fraction_digits` 9 or 6.
void append_rfc3339_utc(std::string &out, std::int64_t wall_ns, int fraction_digits = 9);
// The same written at `p`, which has rfc3339_room bytes; returns the new end.
constexpr std::size_t rfc3339_room = 48;
char *write_rfc3339_utc(char *p, std::int64_t wall_ns, int fraction_digits = 9);

// Local time for the table: "22:13:20.123" or "2023-11-14 22:13:20.123".
void append_local_time(std::string &out, std::int64_t wall_ns, bool with_date);
// The same written at `p`, which has local_time_room bytes; returns the new end.
constexpr std::size_t local_time_room = 48;
char *write_local_time(char *p, std::int64_t wall_ns, bool with_date);

} // namespace tl
