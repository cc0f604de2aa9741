// A test that cannot run here says so and is reported by ctest as skipped,
// never as passed: TL_SKIP warns, records the skip and leaves the test case;
// the test binary's main (tests/catch_main.cpp) then exits with
// TL_TEST_SKIP_RETURN_CODE, which tests/CMakeLists.txt also gives ctest as
// SKIP_RETURN_CODE (ctest runs one test case per process).
//
// With TRACE_LISTEN_SKIP_LOG=FILE each skip also appends a line
// "KIND<TAB>test name<TAB>reason" to FILE, KIND being "no-bpf" when the BPF
// programs could not be loaded at all (TL_REQUIRE_BPF) and "skipped" for any
// other missing piece: scripts/test and scripts/vm-test show the reasons and
// fail when the real-kernel suite did not run.
#pragma once

#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace tl::test {

inline constexpr int skip_return_code = TL_TEST_SKIP_RETURN_CODE;

enum class SkipKind { NoBpf, Other };

// Counts and logs a skipped test case (defined in tests/catch_main.cpp).
void mark_skipped(SkipKind kind, const std::string &reason);

} // namespace tl::test

#define TL_SKIP_AS(kind, reason)                                                               \
    do {                                                                                       \
        std::ostringstream tl_skip_reason;                                                     \
        tl_skip_reason << reason;                                                              \
        WARN("SKIPPED: " << tl_skip_reason.str());                                             \
        ::tl::test::mark_skipped(kind, tl_skip_reason.str());                                  \
        return;                                                                                \
    } while (0)

#define TL_SKIP(reason) TL_SKIP_AS(::tl::test::SkipKind::Other, reason)
