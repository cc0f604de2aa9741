// libFuzzer target: any bytes as a cgroup path, a /proc/<pid>/cgroup file
// and a /proc/<pid>/stat line.  All three come from processes the tracer does
// not control (a process names its cgroups and its comm); parsing must never
// crash, and what it returns must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "enrich/container_naming.hpp"
#include "host/proc_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string text(reinterpret_cast<const char *>(data), size);
    tl::ContainerDetails c = tl::container_from_cgroup_path(text);
    if (!c.id.empty() && c.id.size() != 64)
        std::abort(); // an id is always a full 64-hex container id
    if (!c.id.empty() && !c.systemd_unit.empty())
        std::abort(); // a container is never also reported as a host unit
    if (c.cgroup_path != text)
        std::abort();
    std::string chosen = tl::choose_cgroup_path(text);
    if (!chosen.empty() && text.find(chosen) == std::string::npos)
        std::abort(); // the chosen path is one of the file's
    (void)tl::parse_proc_stat(text);
    return 0;
}
