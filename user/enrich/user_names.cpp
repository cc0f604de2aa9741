#include "enrich/user_names.hpp"

#include <grp.h>
#include <pwd.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "host_root.hpp"

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

} // namespace

std::string UserNames::user(std::uint32_t uid)
{
    if (auto name = users_.get(uid))
        return *name;
    std::string name;
    if (host_root_set()) {
        name = host_file_name("/etc/passwd", uid, false);
        users_.put(uid, name);
        return name;
    }
    passwd pw{};
    passwd *result = nullptr;
    std::vector<char> buf(16384);
    if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result)
        name = result->pw_name;
    users_.put(uid, name); // "" is cached too: unknown uids stay unknown
    return name;
}

std::string UserNames::group(std::uint32_t gid)
{
    if (auto name = groups_.get(gid))
        return *name;
    std::string name;
    if (host_root_set()) {
        name = host_file_name("/etc/group", gid, true);
        groups_.put(gid, name);
        return name;
    }
    struct group gr {};
    struct group *result = nullptr;
    std::vector<char> buf(16384);
    if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &result) == 0 && result)
        name = result->gr_name;
    groups_.put(gid, name);
    return name;
}

void UserNames::clear()
{
    users_.clear();
    groups_.clear();
}

} // namespace tl
