// Group and user names from the host's NSS databases.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "enrich/process_cache.hpp"
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
    UserNames names(16, {std::chrono::seconds(60)}); // this test is about ERANGE, not a slow database
    CHECK(names.group(4049871) == "tl-huge-group");
    CHECK(names.group(4049872) == ""); // no such group: empty, not an error
}

namespace {

// A user database that does not answer until open() (an LDAP server away).
class StuckDatabase {
public:
    UserNames::Source source()
    {
        return [this](std::uint32_t id, bool is_group) -> std::optional<std::string> {
            std::unique_lock lock(mutex_);
            ++asked_;
            changed_.notify_all();
            changed_.wait(lock, [&] { return open_; });
            return (is_group ? "slow-group-" : "slow-user-") + std::to_string(id);
        };
    }
    void open()
    {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    bool asked()
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return asked_ > 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = false;
    int asked_ = 0;
};

} // namespace

// Issue 11: the ring-buffer consumer must not wait on a slow user database.
// No timing assert: the database answers only after details_for returned, so
// a details_for that waited for it would hang the test instead of passing.
TEST_CASE("a user database that does not answer does not hold the event - a later event of the process gets the name")
{
    StuckDatabase db;
    ProcessCache processes(64, 0, db.source(), {std::chrono::milliseconds(2)});
    TaskModel task;
    task.pid = static_cast<__u32>(getpid());
    task.uid = 4049001;
    task.gid = 4049002;

    auto first = processes.details_for(task);
    REQUIRE(first);
    CHECK(first->user_name.empty()); // went out without the name...
    CHECK(processes.names_timed_out() >= 1); // ...and that was counted
    REQUIRE(db.asked());

    db.open();
    std::shared_ptr<const ProcessDetails> later;
    for (int i = 0; i < 3000; ++i) { // the worker answers soon after the gate opens
        later = processes.details_for(task);
        if (later->user_name == "slow-user-4049001" && later->group_name == "slow-group-4049002")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(later->user_name == "slow-user-4049001");
    CHECK(later->group_name == "slow-group-4049002");
    CHECK(later->entity_id == first->entity_id); // the same process, now with its names
}
