// Policy YAML -> Policy.  Strict: unknown keys, wrong types and unknown
// values are errors that say where (file:line:column) and what was expected.
// The schema is documented in docs/policy.md.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "policy/policy.hpp"
#include "util/service_names.hpp"

namespace tl {

class PolicyError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// A policy file larger than this is refused (a policy is a human-sized file).
inline constexpr std::size_t max_policy_bytes = 1 << 20;

// Throws PolicyError "SOURCE:LINE:COLUMN: problem; expected ...".
Policy parse_policy(std::string_view yaml_text, const std::string &source,
                    const ServiceNames &services = system_service_names());

// Reads and parses a file; a file that cannot be read is a PolicyError too.
Policy load_policy_file(const std::string &path);

} // namespace tl
