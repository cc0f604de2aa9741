// A stage that completes events after decoding (process, container, policy).
#pragma once

#include "pipeline/event.hpp"

namespace tl {

class Enricher {
public:
    virtual ~Enricher() = default;
    // Must not block on anything slow: the ring buffer is waiting.
    // May set event.suppressed (e.g. --alerts-only).
    virtual void enrich(Event &event) = 0;
    // SIGHUP: reread configuration; keep the old one when the new is broken.
    virtual void reload() {}
    // Called from the reader loop about every poll timeout: notice that a
    // file changed on disk (a Kubernetes ConfigMap update sends no SIGHUP).
    virtual void poll_changes() {}
};

} // namespace tl
