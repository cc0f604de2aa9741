#include "enrich/entity_id.hpp"

#include <fmt/format.h>

#include "enrich/proc_reader.hpp"

namespace tl {

namespace {

// FNV-1a: stable across builds and hosts, unlike std::hash.
std::uint64_t fnv1a(const std::string &text, std::uint64_t seed)
{
    std::uint64_t h = seed;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

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
    // Two differently seeded 64-bit hashes: 128 bits make collisions between
    // the processes of one fleet implausible.
    return fmt::format("{:016x}{:016x}", fnv1a(key, 0xcbf29ce484222325ULL),
                       fnv1a(key, 0x84222325cbf29ce4ULL));
}

std::string process_entity_id(std::uint32_t pid, std::uint64_t start_boot_ticks)
{
    return process_entity_id(boot_id(), pid, start_boot_ticks);
}

} // namespace tl
