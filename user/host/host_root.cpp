#include "host/host_root.hpp"

#include <sys/stat.h>

#include <stdexcept>

namespace tl {

namespace {
std::string &root()
{
    static std::string value;
    return value;
}
} // namespace

void set_host_root(const std::string &path)
{
    std::string r = path;
    while (r.size() > 1 && r.back() == '/')
        r.pop_back();
    if (r == "/")
        r.clear();
    struct stat st {};
    if (!r.empty() && (stat(r.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
        throw std::invalid_argument("--host-root " + path +
                                    ": not a directory (mount the host's / there, e.g. "
                                    "-v /:/host:ro, and pass --host-root /host)");
    root() = r;
}

std::string host_path(const std::string &absolute_path) { return root() + absolute_path; }

bool host_root_set() { return !root().empty(); }

} // namespace tl
