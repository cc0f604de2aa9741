// A stage that completes events after decoding (process, container, policy).
#pragma once

#include "event.hpp"

namespace tl {

class Enricher {
public:
    virtual ~Enricher() = default;
    // Must not block on anything slow: the ring buffer is waiting.
    virtual void enrich(Event &event) = 0;
};

} // namespace tl
