// Where the host's files are when trace-listen runs in a container with the
// host's / mounted somewhere (--host-root /host).  /proc is already the
// host's there (hostPID), so only files under /etc are read through it.
#pragma once

#include <string>

namespace tl {

// Set once at start-up, before anything reads host files.  "" or "/": the
// running root.  Throws std::invalid_argument when `root` is not a directory.
void set_host_root(const std::string &root);

// `absolute_path` ("/etc/machine-id") as seen from the host root.
std::string host_path(const std::string &absolute_path);

// Whether a host root other than "/" was set.
bool host_root_set();

} // namespace tl
