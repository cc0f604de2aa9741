// A stage that completes events after decoding (process, container, policy).
#pragma once

#include <cstdint>

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
    // Events that went out without something this enricher looks up slowly
    // (a user name, a port's holder) because it did not answer in time.
    virtual std::uint64_t lookups_timed_out() const { return 0; }
};

} // namespace tl
