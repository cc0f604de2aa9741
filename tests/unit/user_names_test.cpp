// Group and user names from the host's NSS databases.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "host/user_names.hpp"

using namespace tl;

namespace {

// Appends a group to /etc/group and puts the file back as it was on scope exit.
class ExtraGroup {
public:
    ExtraGroup(const std::string &line)
    {
        std::ifstream in(path_);
        std::ostringstream all;
        all << in.rdbuf();
        saved_ = all.str();
        std::ofstream(path_, std::ios::app) << line << '\n';
    }
    ~ExtraGroup() { std::ofstream(path_, std::ios::trunc) << saved_; }

private:
    const char *path_ = "/etc/group";
    std::string saved_;
};

} // namespace

TEST_CASE("a group too large for the first lookup buffer is still named (ERANGE is retried)")
{
    if (geteuid() != 0 || access("/etc/group", W_OK) != 0) {
        WARN("SKIPPED: needs root to add a group to /etc/group");
        return;
    }
    // 4,000 members of 12 bytes: about 50 KB, over the 16 KB first buffer.
    std::string line = "tl-huge-group:x:4049871:";
    for (int i = 0; i < 4000; ++i)
        line += (i ? "," : "") + std::string("member") + std::to_string(100000 + i);
    ExtraGroup group(line);
    UserNames names;
    CHECK(names.group(4049871) == "tl-huge-group");
    CHECK(names.group(4049872).empty()); // no such group: empty, not an error
}
