// A compliance report for people (a table) and for pipelines (one JSON
// document).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "policy/compliance_check.hpp"

namespace tl {

// Column titles, one row per finding, then a summary line.
std::string compliance_table(const ComplianceReport &report);
nlohmann::json compliance_json(const ComplianceReport &report);

} // namespace tl
