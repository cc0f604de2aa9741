// process.entity_id: one id per process for the life of the host's boot,
// the same whichever way the process was seen (live event from the kernel
// or /proc during the snapshot), and never shared after pid reuse.
#pragma once

#include <cstdint>
#include <string>

namespace tl {

// From the boot id, the pid and the start in clock ticks (the precision both
// the kernel record and /proc agree on).
std::string process_entity_id(std::uint32_t pid, std::uint64_t start_boot_ticks);
std::string process_entity_id(const std::string &boot_id, std::uint32_t pid,
                              std::uint64_t start_boot_ticks);

} // namespace tl
