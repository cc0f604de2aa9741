// --since/--until values for replay: an instant on CLOCK_REALTIME.
#pragma once

#include <cstdint>
#include <string>

namespace tl::record {

// "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.25+02:00", "2024-05-01 12:00:00"
// (UTC), or Unix seconds "1714564800" / "1714564800.5".  Returns ns since the
// epoch; throws std::invalid_argument saying what format is expected.
std::int64_t parse_time_bound(const std::string &text);

} // namespace tl::record
