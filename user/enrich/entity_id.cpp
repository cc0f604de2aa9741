#include "enrich/entity_id.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include "host/proc_reader.hpp"

namespace tl {

namespace {

const std::string &boot_id()
{
    static const std::string id = [] {
        std::string text = read_small_file("/proc/sys/kernel/random/boot_id", 64).value_or("");
        while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
            text.pop_back();
        return text;
    }();
    return id;
}

} // namespace

std::string process_entity_id(const std::string &boot, std::uint32_t pid,
                              std::uint64_t start_boot_ticks)
{
    std::string key = fmt::format("{}:{}:{}", boot, pid, start_boot_ticks);
    // XXH3-128: stable across builds and hosts (unlike std::hash), and 128
    // real bits make collisions between the processes of a fleet implausible.
    XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

std::string process_entity_id(std::uint32_t pid, std::uint64_t start_boot_ticks)
{
    return process_entity_id(boot_id(), pid, start_boot_ticks);
}

} // namespace tl
