// uid/gid -> user and group names from the host's databases (NSS), cached
// because a lookup may go to LDAP or similar.  A lookup not yet cached runs
// on a worker thread and the caller waits for it only a few milliseconds
// (issue 11): an event never waits on a slow database for longer, it goes
// out without the name, and a later event gets it.  Names are the host's
// view: a uid inside a user namespace or a container image's /etc/passwd may
// name someone else.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "util/bounded_lookup.hpp"
#include "util/lru_cache.hpp"

namespace tl {

class UserNames {
public:
    // The name of a uid (is_group false) or gid; "" when the database has no
    // such id; nullopt when the lookup failed (not remembered as "no name").
    // Runs on the worker thread.
    using Source = std::function<std::optional<std::string>(std::uint32_t id, bool is_group)>;

    // source: the host's databases (NSS, or the host root's /etc files) when empty.
    explicit UserNames(std::size_t capacity = 1024, BoundedLookupOptions lookups = {},
                       Source source = {});
    // "" when the host has no such user (or the lookup failed); nullopt when
    // the answer did not come within the wait: ask again for a later event.
    std::optional<std::string> user(std::uint32_t uid);
    std::optional<std::string> group(std::uint32_t gid);
    // Looks these up now without waiting, so that they are known when the
    // first event asks.
    void prefetch(std::uint32_t uid, std::uint32_t gid);
    void clear(); // SIGHUP: /etc/passwd may have changed
    // Names that were not there within the wait (each time an event went
    // out without one).
    std::uint64_t timed_out() const { return lookups_.timed_out(); }

private:
    std::optional<std::string> name(std::uint32_t id, bool is_group);

    LruCache<std::uint32_t, std::string> users_;
    LruCache<std::uint32_t, std::string> groups_;
    // Key: id, with bit 32 set for groups.  Value nullopt: the lookup failed.
    BoundedLookup<std::uint64_t, std::optional<std::string>> lookups_;
};

// The host's databases: NSS, or under --host-root the host's /etc files.
std::optional<std::string> host_user_or_group_name(std::uint32_t id, bool is_group);

} // namespace tl
