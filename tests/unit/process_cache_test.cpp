// The (pid, start)-keyed process cache against real processes and /proc.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "enrich/attribution.hpp"
#include "enrich/entity_id.hpp"
#include "host/proc_reader.hpp"
#include "enrich/proc_task.hpp"
#include "enrich/process_cache.hpp"
#include "support/skip.hpp"

using namespace tl;

namespace {

// A child that waits until told to exit; its pid is live until release().
class HeldChild {
public:
    HeldChild()
    {
        REQUIRE(pipe(fds_) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            close(fds_[1]);
            char c;
            [[maybe_unused]] auto n = read(fds_[0], &c, 1);
            _exit(0);
        }
        close(fds_[0]);
    }
    ~HeldChild() { release(); }
    pid_t pid() const { return pid_; }
    void release()
    {
        if (pid_ <= 0)
            return;
        close(fds_[1]);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    int fds_[2]{};
    pid_t pid_ = -1;
};

std::string self_exe()
{
    return std::filesystem::read_symlink("/proc/self/exe").string();
}

} // namespace

TEST_CASE("a live process is completed from /proc")
{
    CgroupPaths cgroups;
    auto task = task_from_proc(getpid(), cgroups);
    REQUIRE(task.has_value());
    CHECK(task->ppid == static_cast<std::uint32_t>(getppid()));

    ProcessCache cache(16, 4);
    auto d = cache.details_for(*task);
    REQUIRE(d);
    CHECK(d->source == EnrichmentSource::Proc);
    CHECK(d->executable == self_exe());
    REQUIRE_FALSE(d->args.empty());
    CHECK(d->args[0].find("unit_tests") != std::string::npos);
    if (getuid() == 0)
        CHECK(d->user_name == "root");
    REQUIRE_FALSE(d->ancestors.empty());
    CHECK(d->ancestors[0].pid == static_cast<std::uint32_t>(getppid()));
    CHECK_FALSE(d->ancestors[0].executable.empty());
    CHECK(d->entity_id.size() == 32);
    // Started before now, and not before the host booted a year ago.
    CHECK(d->start_wall_ns > 0);
    // Cached: the same object comes back.
    CHECK(cache.details_for(*task) == d);
}

TEST_CASE("a process that already exited keeps its kernel fields and says so")
{
    CgroupPaths cgroups;
    HeldChild child;
    auto task = task_from_proc(static_cast<std::uint32_t>(child.pid()), cgroups);
    REQUIRE(task.has_value());
    child.release(); // exited and reaped: /proc has nothing any more

    ProcessCache cache(16, 4);
    auto d = cache.details_for(*task);
    REQUIRE(d);
    CHECK(d->source == EnrichmentSource::Kernel);
    CHECK(d->executable.empty()); // the formats fall back to the kernel's exe
    CHECK(d->args.empty());
    CHECK_FALSE(d->entity_id.empty());
    REQUIRE_FALSE(d->ancestors.empty());
    CHECK(d->ancestors[0].pid == static_cast<std::uint32_t>(getpid()));
    CHECK(d->ancestors[0].executable == self_exe()); // the parent still lives
}

TEST_CASE("a reused pid does not lend its /proc details to the old process")
{
    CgroupPaths cgroups;
    auto task = task_from_proc(getpid(), cgroups);
    REQUIRE(task.has_value());
    TaskModel older = *task;
    older.start_ns -= 5'000'000'000ULL; // "the process that had this pid before"
    ProcessCache cache(16, 4);
    auto d = cache.details_for(older);
    REQUIRE(d);
    CHECK(d->source == EnrichmentSource::Kernel);
    CHECK(d->entity_id != cache.details_for(*task)->entity_id);
}

TEST_CASE("a process that exec'd since the event is not described by its new program")
{
    CgroupPaths cgroups;
    auto task = task_from_proc(getpid(), cgroups);
    REQUIRE(task.has_value());
    std::strcpy(task->exe, "some-other-prog");
    ProcessCache cache(16, 4);
    CHECK(cache.details_for(*task)->source == EnrichmentSource::Kernel);
}

TEST_CASE("entity ids are stable and tell processes apart")
{
    CHECK(process_entity_id("boot-a", 10, 500) == process_entity_id("boot-a", 10, 500));
    // XXH3-128 of "boot:pid:start" (`printf boot-a:10:500 | xxh128sum`): the
    // id is a real 128-bit hash, the same on every host and build.
    CHECK(process_entity_id("boot-a", 10, 500) == "bca5d3d254831d83274d127429ff0705");
    CHECK(process_entity_id("boot-a", 10, 500) != process_entity_id("boot-a", 11, 500));
    CHECK(process_entity_id("boot-a", 10, 500) != process_entity_id("boot-a", 10, 501));
    CHECK(process_entity_id("boot-a", 10, 500) != process_entity_id("boot-b", 10, 500));
}

TEST_CASE("the kernel's start time and /proc's start ticks name the same process")
{
    auto st = read_proc_stat(getpid());
    REQUIRE(st.has_value());
    std::uint64_t ns = boot_ticks_to_monotonic_ns(st->start_ticks);
    CHECK(same_start(ns, st->start_ticks));
    CHECK(monotonic_ns_to_boot_ticks(ns) == st->start_ticks);
    CHECK_FALSE(same_start(ns + 5'000'000'000ULL, st->start_ticks));
}

TEST_CASE("stat parsing survives hostile process names")
{
    auto st = parse_proc_stat("42 (a) b) (c) S 7 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
                              "123456 1000 100 18446744073709551615");
    REQUIRE(st.has_value());
    CHECK(st->pid == 42);
    CHECK(st->comm == "a) b) (c");
    CHECK(st->ppid == 7);
    CHECK(st->start_ticks == 123456);
    CHECK_FALSE(parse_proc_stat("").has_value());
    CHECK_FALSE(parse_proc_stat("1 (x) S 0").has_value());
    CHECK_FALSE(parse_proc_stat(") 1 (").has_value());
}

TEST_CASE("cached enrichment stays bounded over many short processes")
{
    // 600 real processes come and go; the enricher sees each once, as a live
    // trace would, and must never hold more than its capacity.
    AttributionOptions options;
    options.process_cache_capacity = 64;
    options.container_cache_capacity = 8;
    AttributionEnricher enricher(options);
    CgroupPaths cgroups;
    std::size_t largest = 0, from_proc = 0;
    std::uint32_t last_pid = 0;
    for (int i = 0; i < 600; ++i) {
        HeldChild child;
        auto task = task_from_proc(static_cast<std::uint32_t>(child.pid()), cgroups);
        REQUIRE(task.has_value());
        Event e;
        e.model.task = *task;
        enricher.enrich(e);
        REQUIRE(e.process);
        from_proc += e.process->source == EnrichmentSource::Proc;
        largest = std::max(largest, enricher.processes().size());
        last_pid = task->pid;
    }
    CHECK(largest == 64);
    CHECK(enricher.processes().size() <= 64);
    CHECK(enricher.processes().evictions() == 600 - 64);
    CHECK(enricher.containers().size() <= 8);
    CHECK(from_proc == 600);
    CHECK(last_pid != 0);
}

TEST_CASE("the container cache stays bounded over many cgroups")
{
    CgroupPaths paths;
    if (getuid() != 0 || paths.mount_point().empty())
        TL_SKIP("needs root and a cgroup v2 hierarchy");
    std::string base = paths.mount_point() + "/tl-unit-" + std::to_string(getpid());
    REQUIRE(mkdir(base.c_str(), 0755) == 0);
    const std::string id(64, 'a');
    std::vector<std::string> made;
    ContainerCache cache(10);
    for (int i = 0; i < 40; ++i) {
        std::string leaf = i % 2 ? "libpod-" + id : "svc" + std::to_string(i) + ".service";
        std::string dir = base + "/" + std::to_string(i);
        REQUIRE(mkdir(dir.c_str(), 0755) == 0);
        std::string inner = dir + "/" + leaf;
        REQUIRE(mkdir(inner.c_str(), 0755) == 0);
        made.push_back(inner);
        made.push_back(dir);
        struct stat st {};
        REQUIRE(stat(inner.c_str(), &st) == 0);
        TaskModel t;
        t.cgroup_id = st.st_ino;
        auto c = cache.details_for(t);
        REQUIRE(c);
        if (i % 2) {
            CHECK(c->id == id);
            CHECK(c->runtime == "podman");
        } else {
            CHECK(c->systemd_unit == leaf);
        }
        CHECK(c->cgroup_path == inner.substr(paths.mount_point().size()));
        REQUIRE(cache.size() <= 10);
    }
    for (auto &d : made)
        rmdir(d.c_str());
    rmdir(base.c_str());
}

TEST_CASE("a cgroup that is already gone is named from the kernel's leaf name")
{
    ContainerCache cache(4);
    TaskModel t;
    t.cgroup_id = 0x7ffffffffff0ULL; // no such cgroup
    std::string leaf = "libpod-" + std::string(64, 'b');
    std::strcpy(t.cgroup_name, leaf.c_str());
    auto c = cache.details_for(t);
    REQUIRE(c);
    CHECK(c->id == std::string(64, 'b'));
    CHECK(c->runtime == "podman");
}
