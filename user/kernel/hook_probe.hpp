// Cheap checks of what the running kernel lets us attach, made before the
// real (slow: verifier) load so that load normally succeeds the first time.
#pragma once

struct btf;

namespace tl {

// Loads a two-instruction fexit program on inet_bind: fails where the kernel
// lacks BPF trampolines or refuses them (lockdown, missing BTF for the target).
bool kernel_allows_fexit(const btf *vmlinux);

// A kprobe PMU or tracefs kprobe_events exists (CONFIG_KPROBE_EVENTS).
bool kernel_has_kprobes();

} // namespace tl
