// Records about the trace itself that the log sinks carry beside events and
// drop reports.  Today one: a forensic record's chain head, published at
// every seal so that a copy lives outside the file it vouches for.
#pragma once

#include <cstdint>
#include <string>

namespace tl {

// A seal of `trace-listen record`: the SHA-256 chain head after `frame`.
// `replay --verify FILE --head HEAD` later proves the file still holds
// exactly what was sealed; a copy kept only in the file would prove nothing.
struct ChainHeadNotice {
    std::string file;           // the path written (FILE; after a rotation seal it is FILE.1)
    std::uint64_t file_index = 0; // 0 for the first file of the recording, +1 per rotation
    std::uint64_t frame = 0;    // the seal's frame number in the file (1: the header)
    std::uint64_t offset = 0;   // its byte offset
    std::string reason;         // "minute", "rotation" or "close"
    std::string head;           // SHA-256 of the seal frame, 64 hex digits
    std::uint64_t records = 0;  // events and drop reports in the file up to the seal
    std::int64_t wall_time_ns = 0;
};

} // namespace tl
