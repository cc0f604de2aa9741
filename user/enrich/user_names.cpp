#include "enrich/user_names.hpp"

#include <grp.h>
#include <pwd.h>

#include <vector>

namespace tl {

std::string UserNames::user(std::uint32_t uid)
{
    if (auto name = users_.get(uid))
        return *name;
    std::string name;
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
