// Process signals as the core's SessionControl.
#pragma once

#include "pipeline/trace_session.hpp"

namespace tl::cli {

// SIGINT/SIGTERM stop, SIGHUP reloads; SIGPIPE is ignored (sinks count it).
SessionControl install_signal_handlers();

} // namespace tl::cli
