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

} // namespace

std::string UserNames::user(std::uint32_t uid)
{
    if (auto name = users_.get(uid))
        return *name;
    if (host_root_set()) {
        std::string name = host_file_name("/etc/passwd", uid, false);
        users_.put(uid, name);
        return name;
    }
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
    if (host_root_set()) {
        std::string name = host_file_name("/etc/group", gid, true);
        groups_.put(gid, name);
        return name;
    }
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
