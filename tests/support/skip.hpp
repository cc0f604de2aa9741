// A test that cannot run here says so and is reported by ctest as skipped,
// never as passed: TL_SKIP warns, records the skip and leaves the test case;
// the test binary's main (tests/catch_main.cpp) then exits with
// TL_TEST_SKIP_RETURN_CODE, which tests/CMakeLists.txt also gives ctest as
// SKIP_RETURN_CODE (ctest runs one test case per process).
#pragma once

#include <catch2/catch.hpp>

namespace tl::test {

inline constexpr int skip_return_code = TL_TEST_SKIP_RETURN_CODE;

// Counts a skipped test case (defined in tests/catch_main.cpp).
void mark_skipped();

} // namespace tl::test

#define TL_SKIP(reason)                                                                        \
    do {                                                                                       \
        WARN("SKIPPED: " << reason);                                                           \
        ::tl::test::mark_skipped();                                                            \
        return;                                                                                \
    } while (0)
