// Sinks from the command line's --sink specifications.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "output/record_sink.hpp"

namespace tl {

// No specs: one stdout sink in default_format.  Throws std::invalid_argument
// naming the bad spec.
std::vector<std::unique_ptr<RecordSink>> make_sinks(const std::vector<std::string> &specs,
                                                    std::string_view default_format);

} // namespace tl
