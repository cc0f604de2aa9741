// A test that cannot run says SKIPPED and ctest counts it as skipped: the
// test binary exits with the skip code, never 0 as if it had passed.
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "support/tracer_process.hpp"

using namespace tl::test;

// Hidden ([.]): not discovered by ctest, run only by the test below.
TEST_CASE("a BPF test for the skip check", "[.]")
{
    TL_REQUIRE_BPF();
    CHECK(bpf_available());
}

TEST_CASE("a test that cannot load BPF exits with the skip code - as root it runs")
{
    if (geteuid() != 0)
        TL_SKIP("needs root to drop to an unprivileged user");
    const std::string self = std::filesystem::read_symlink("/proc/self/exe");
    const std::string run = "'" + self + "' 'a BPF test for the skip check' -w NoTests";

    std::string as_nobody =
        try_shell("setpriv --reuid=65534 --regid=65534 --clear-groups " + run + " 2>&1; echo rc=$?")
            .value_or("");
    INFO(as_nobody);
    CHECK(as_nobody.find("rc=" + std::to_string(skip_return_code) + "\n") != std::string::npos);
    CHECK(as_nobody.find("SKIPPED: needs root and kernel BTF") != std::string::npos);

    std::string as_root = try_shell(run + " 2>&1; echo rc=$?").value_or("");
    INFO(as_root);
    CHECK(as_root.find("rc=0\n") != std::string::npos);
}
