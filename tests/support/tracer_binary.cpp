#include "support/tracer_binary.hpp"

#include <cstdlib>

namespace tl::test {

std::string tracer_binary()
{
    const char *other = std::getenv("TRACE_LISTEN_BINARY");
    return other && *other ? other : TRACE_LISTEN_BUILT_BINARY;
}

} // namespace tl::test
