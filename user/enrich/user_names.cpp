#include "enrich/user_names.hpp"

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <optional>
#include <vector>

namespace tl {

namespace {

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

} // namespace

std::string UserNames::user(std::uint32_t uid)
{
    if (auto name = users_.get(uid))
        return *name;
    auto name = lookup_name<passwd>(
        [uid](passwd *pw, char *buf, std::size_t size, passwd **result) {
            return getpwuid_r(uid, pw, buf, size, result);
        },
        [](const passwd &pw) { return pw.pw_name; });
    if (!name)
        return {};
    users_.put(uid, *name); // "" is cached too: unknown uids stay unknown
    return *name;
}

std::string UserNames::group(std::uint32_t gid)
{
    if (auto name = groups_.get(gid))
        return *name;
    auto name = lookup_name<struct group>(
        [gid](struct group *gr, char *buf, std::size_t size, struct group **result) {
            return getgrgid_r(gid, gr, buf, size, result);
        },
        [](const struct group &gr) { return gr.gr_name; });
    if (!name)
        return {};
    groups_.put(gid, *name);
    return *name;
}

void UserNames::clear()
{
    users_.clear();
    groups_.clear();
}

} // namespace tl
