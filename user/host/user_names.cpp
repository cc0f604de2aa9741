#include "host/user_names.hpp"

#include <grp.h>
#include <pwd.h>

#include <cstdio>
#include <memory>
#include <cerrno>
#include <optional>
#include <vector>

#include "host/host_root.hpp"

namespace tl {

namespace {

// Under --host-root the names are the host's: read its files, not NSS (which
// in a container answers from the image's /etc).
std::string host_file_name(const char *file, std::uint32_t id, bool is_group)
{
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(host_path(file).c_str(), "re"),
                                             std::fclose);
    if (!f)
        return {};
    std::vector<char> buf(16384);
    if (is_group) {
        struct group gr {};
        struct group *result = nullptr;
        while (fgetgrent_r(f.get(), &gr, buf.data(), buf.size(), &result) == 0 && result)
            if (gr.gr_gid == id)
                return gr.gr_name;
    } else {
        passwd pw{};
        passwd *result = nullptr;
        while (fgetpwent_r(f.get(), &pw, buf.data(), buf.size(), &result) == 0 && result)
            if (pw.pw_uid == id)
                return pw.pw_name;
    }
    return {};
}

// Runs a getpwuid_r-style lookup with a buffer that grows on ERANGE (a group
// with thousands of members needs far more than sysconf's hint).  The name,
// "" when the database has no such id, or nullopt when the lookup failed
// (NSS backend down, out of buffer): that must not be remembered as "no name".
template <typename Entry, typename Lookup, typename Name>
std::optional<std::string> lookup_name(Lookup lookup, Name name_of)
{
    constexpr std::size_t largest_buffer = 16 << 20;
    for (std::size_t size = 16384; size <= largest_buffer; size *= 4) {
        Entry entry{};
        Entry *result = nullptr;
        std::vector<char> buf(size);
        int rc = lookup(&entry, buf.data(), buf.size(), &result);
        if (rc == ERANGE)
            continue;
        if (rc != 0)
            return std::nullopt;
        return result ? std::string(name_of(*result)) : std::string();
    }
    return std::nullopt;
}

// The worker's key: the id, with bit 32 set for groups.
std::uint64_t lookup_key(std::uint32_t id, bool is_group)
{
    return std::uint64_t{id} | std::uint64_t{is_group} << 32;
}

} // namespace

std::optional<std::string> host_user_or_group_name(std::uint32_t id, bool is_group)
{
    if (host_root_set())
        return host_file_name(is_group ? "/etc/group" : "/etc/passwd", id, is_group);
    if (is_group)
        return lookup_name<struct group>(
            [id](struct group *gr, char *buf, std::size_t size, struct group **result) {
                return getgrgid_r(id, gr, buf, size, result);
            },
            [](const struct group &gr) { return gr.gr_name; });
    return lookup_name<passwd>(
        [id](passwd *pw, char *buf, std::size_t size, passwd **result) {
            return getpwuid_r(id, pw, buf, size, result);
        },
        [](const passwd &pw) { return pw.pw_name; });
}

UserNames::UserNames(std::size_t capacity, BoundedLookupOptions lookups, Source source)
    : users_(capacity), groups_(capacity),
      lookups_(
          [source = source ? std::move(source) : Source(host_user_or_group_name)](std::uint64_t key) {
              return source(static_cast<std::uint32_t>(key), key >> 32);
          },
          lookups)
{
}

void UserNames::prefetch(std::uint32_t uid, std::uint32_t gid)
{
    lookups_.prefetch(lookup_key(uid, false));
    lookups_.prefetch(lookup_key(gid, true));
}

std::optional<std::string> UserNames::name(std::uint32_t id, bool is_group)
{
    auto &cache = is_group ? groups_ : users_;
    if (auto name = cache.get(id))
        return *name;
    auto answer = lookups_.get(lookup_key(id, is_group));
    if (!answer)
        return std::nullopt; // not in time
    if (!*answer)
        return std::string(); // failed: not cached, asked again for the next process
    cache.put(id, **answer); // "" is cached too: unknown ids stay unknown
    return **answer;
}

std::optional<std::string> UserNames::user(std::uint32_t uid) { return name(uid, false); }
std::optional<std::string> UserNames::group(std::uint32_t gid) { return name(gid, true); }

void UserNames::clear()
{
    users_.clear();
    groups_.clear();
    lookups_.clear();
}

} // namespace tl
