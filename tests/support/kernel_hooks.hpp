// Which attach methods must trace on the kernel the tests run on.  The hook
// tests require each expected hook to trace and every other one to be
// refused with the tracer's error: a hook that quietly fails to load where
// the kernel has it fails the suite.
//
// TRACE_LISTEN_EXPECT_HOOKS (comma-separated: fexit, kprobe, syscall, tp_btf,
// raw_tp, tracepoint; scripts/vm-test's guest sets it) names them.  Without
// it the kernel is asked directly, independently of the tracer's own probe
// (a test must not take the code under test's word for what works).
#pragma once

#include <string>

namespace tl::test {

bool hook_expected(const std::string &hook);

// The bind/listen hook `--bind-hook auto` must pick: fexit, else kprobe,
// else the syscall tracepoints (as the start-up log names it).
std::string best_bind_hook();

} // namespace tl::test
