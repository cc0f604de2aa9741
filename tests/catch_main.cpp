#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "support/skip.hpp"

namespace {
int skipped_tests = 0;
} // namespace

void tl::test::mark_skipped(SkipKind kind, const std::string &reason)
{
    ++skipped_tests;
    if (const char *log = std::getenv("TRACE_LISTEN_SKIP_LOG"); log && *log)
        std::ofstream(log, std::ios::app)
            << (kind == SkipKind::NoBpf ? "no-bpf" : "skipped") << '\t'
            << Catch::getResultCapture().getCurrentTestName() << '\t' << reason << '\n';
}

int main(int argc, char *argv[])
{
    int failed = Catch::Session().run(argc, argv);
    // A failure outranks a skip; a run that skipped anything did not pass.
    if (failed == 0 && skipped_tests > 0)
        return tl::test::skip_return_code;
    return failed;
}
