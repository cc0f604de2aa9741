// Judges every event against a policy file (expected / unexpected / forbidden).
#pragma once

#include <memory>
#include <string>

#include "enricher.hpp"

namespace tl {

// Throws std::invalid_argument with file:line:column on a malformed policy.
std::unique_ptr<Enricher> make_policy_enricher(const std::string &policy_file, bool alerts_only);

} // namespace tl
