// A test that cannot run says SKIPPED and ctest counts it as skipped: the
// test binary exits with the skip code, never 0 as if it had passed, and
// logs why for scripts/test and scripts/vm-test, which fail when the BPF
// programs could not be loaded at all.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

// Hidden ([.]): not discovered by ctest, run only by the test below.
TEST_CASE("a BPF test for the skip check", "[.]")
{
    TL_REQUIRE_BPF();
    CHECK(bpf_available());
}

TEST_CASE("a test that cannot load BPF exits with the skip code and logs why - as root it runs")
{
    if (geteuid() != 0)
        TL_SKIP("needs root to drop to an unprivileged user");
    const std::string self = std::filesystem::read_symlink("/proc/self/exe");
    const std::string run = "'" + self + "' 'a BPF test for the skip check' -w NoTests";
    TempDir dir;
    chmod(dir.path.c_str(), 0777); // the unprivileged run writes its skip log here
    const std::string log = (dir.path / "skips").string();

    // Its own skip log, not the one of the scripts running this suite: this
    // skip is the point of the test.
    std::string as_nobody = try_shell("TRACE_LISTEN_SKIP_LOG='" + log +
                                      "' setpriv --reuid=65534 --regid=65534 --clear-groups " +
                                      run + " 2>&1; echo rc=$?")
                                .value_or("");
    INFO(as_nobody);
    CHECK(as_nobody.find("rc=" + std::to_string(skip_return_code) + "\n") != std::string::npos);
    CHECK(as_nobody.find("SKIPPED: needs root and kernel BTF") != std::string::npos);
    std::stringstream logged;
    logged << std::ifstream(log).rdbuf();
    CHECK(logged.str() == "no-bpf\ta BPF test for the skip check\t"
                          "needs root and kernel BTF to load BPF programs\n");

    std::string as_root = try_shell("TRACE_LISTEN_SKIP_LOG='" + log + "' " + run + " 2>&1; echo rc=$?")
                              .value_or("");
    INFO(as_root);
    CHECK(as_root.find("rc=0\n") != std::string::npos);
}
