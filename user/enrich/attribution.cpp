#include "enrich/attribution.hpp"

namespace tl {

std::unique_ptr<Enricher> make_attribution_enricher(const AttributionOptions &)
{
    return nullptr; // TODO(attribution): /proc cache and container naming
}

} // namespace tl
