// `trace-listen baseline save`: a policy that accepts exactly what listens
// now, written to be read and edited by a person.
#pragma once

#include <string>
#include <vector>

#include "pipeline/event.hpp"

namespace tl {

struct BaselineOptions {
    bool required = false;        // mark each rule required (missing = finding)
    std::string severity = "medium";
    std::string generated_by;     // the command line, for the header comment
    std::uint32_t host_netns = 0; // listeners elsewhere get a netns criterion
};

// One expected rule per distinct listener (events that do not open a
// listener are skipped).  The result parses with parse_policy().
std::string baseline_yaml(const std::vector<Event> &events, const BaselineOptions &options);

} // namespace tl
