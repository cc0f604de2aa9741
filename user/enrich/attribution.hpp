// Completes the kernel's process record from /proc and names the container.
#pragma once

#include <memory>

#include "enricher.hpp"

namespace tl {

struct AttributionOptions {
    unsigned ancestor_depth = 4;
};

std::unique_ptr<Enricher> make_attribution_enricher(const AttributionOptions &options);

} // namespace tl
