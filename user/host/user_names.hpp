// uid/gid -> user and group names from the host's databases (NSS), cached
// because a lookup may go to LDAP or similar and events must not wait on it
// twice.  Names are the host's view: a uid inside a user namespace or a
// container image's /etc/passwd may name someone else.
#pragma once

#include <cstdint>
#include <string>

#include "util/lru_cache.hpp"

namespace tl {

class UserNames {
public:
    explicit UserNames(std::size_t capacity = 1024) : users_(capacity), groups_(capacity) {}
    std::string user(std::uint32_t uid);   // "" when the host has no such user
    std::string group(std::uint32_t gid);
    void clear(); // SIGHUP: /etc/passwd may have changed

private:
    LruCache<std::uint32_t, std::string> users_;
    LruCache<std::uint32_t, std::string> groups_;
};

} // namespace tl
