// Which trace-listen the integration tests run.
#pragma once

#include <string>

namespace tl::test {

// build/trace-listen, unless TRACE_LISTEN_BINARY names another build of the
// same sources: scripts/sanitize runs this (unsanitized) suite against its
// ASan and TSan tracers instead of building the suite twice more.
std::string tracer_binary();

} // namespace tl::test
