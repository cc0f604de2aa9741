// `trace-listen replay --verify`: checks record files against their hash
// chain and names the first frame that does not match.  A clean file starts
// with its header, has no damage, no broken link, and ends with the seal the
// recorder writes when it stops or rotates; files given in order must
// continue each other's chain; chain heads taken from the log sinks must be
// among the heads the files' seals carry (a file rewritten whole, with a
// chain computed anew, passes every other check).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "record/record_frame.hpp"

namespace tl::record {

struct VerifyReport {
    bool ok = true;
    std::vector<std::string> lines; // one per file, then one per missing head: for stderr
    std::uint64_t frames = 0, records = 0;
    std::uint64_t unreadable = 0; // files that are not records (or another version): nothing checked
};

VerifyReport verify_files(const std::vector<std::string> &files,
                          const std::vector<ChainHash> &expected_heads);

} // namespace tl::record
