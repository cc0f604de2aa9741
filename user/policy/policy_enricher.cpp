#include "policy/policy_enricher.hpp"

#include <stdexcept>

namespace tl {

std::unique_ptr<Enricher> make_policy_enricher(const std::string &, bool)
{
    throw std::invalid_argument("--policy: policies are not implemented yet");
}

} // namespace tl
