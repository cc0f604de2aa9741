// Issue 11: the ring-buffer consumer never waits on a slow lookup.  The
// host's user database is made to hang for real: under --host-root the names
// come from ROOT/etc/passwd and ROOT/etc/group, and here those are FIFOs that
// nobody writes, so opening them blocks (as an NSS module waiting for an LDAP
// server would).  Before the fix the tracer sat in fopen() and no event came
// out at all; now events go out without the names, the summary counts the
// slow lookups, and once the database answers later events carry the names.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "support/sockets.hpp"
#include "support/temp_dir.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

// Writes `text` into the FIFO once a reader has it open (the tracer's
// worker); gives up after 30 s so that a tracer that never reads cannot hang
// the test.
void feed(const std::string &fifo, const std::string &text)
{
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr); // a reader that went away is an error, not a kill
    for (int i = 0; i < 3000; ++i) {
        int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC); // ENXIO: no reader yet
        if (fd >= 0) {
            fcntl(fd, F_SETFL, 0);
            ssize_t ignored = write(fd, text.data(), text.size());
            (void)ignored;
            close(fd);
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
}

bool listen_of(const Json &j, std::uint16_t port)
{
    return j.value("/event/action"_json_pointer, "") == "socket-listen" &&
           j.value("/process/pid"_json_pointer, -1) == getpid() &&
           j.value("/server/port"_json_pointer, -1) == port;
}

} // namespace

TEST_CASE("a user database that hangs does not stop events - they go out without the names "
          "and counted - later events get them")
{
    TL_REQUIRE_BPF();
    TempDir root;
    std::filesystem::create_directories(root.path / "etc");
    const std::string passwd = (root.path / "etc/passwd").string();
    const std::string group = (root.path / "etc/group").string();
    REQUIRE(mkfifo(passwd.c_str(), 0600) == 0);
    REQUIRE(mkfifo(group.c_str(), 0600) == 0);
    TracerProcess tracer({"--host-root", root.path.string(), "-o", "json", "--no-snapshot",
                          "--events", "listen", "--pid", std::to_string(getpid())});

    // The database hangs: the event still comes, without user.name.
    Fd first = tcp_listener("127.0.0.1", 0);
    std::uint16_t first_port = local_port(first.get());
    auto e = tracer.wait_for_json([&](const Json &j) { return listen_of(j, first_port); }, 20s);
    INFO("stdout:\n" << tracer.out() << "\nstderr:\n" << tracer.err());
    REQUIRE(e.has_value());
    CHECK_FALSE(e->contains("/user/name"_json_pointer));
    CHECK_FALSE(e->contains("/group/name"_json_pointer));

    // The database answers; a later event of this process carries the names.
    std::thread writer([&] {
        feed(passwd, "tl-slow-user:x:" + std::to_string(getuid()) + ":0::/:/bin/sh\n");
        feed(group, "tl-slow-group:x:" + std::to_string(getgid()) + ":\n");
    });
    std::optional<Json> named;
    for (int i = 0; i < 100 && !named; ++i) {
        Fd fd = tcp_listener("127.0.0.1", 0);
        std::uint16_t port = local_port(fd.get());
        auto later = tracer.wait_for_json([&](const Json &j) { return listen_of(j, port); }, 20s);
        REQUIRE(later.has_value());
        if (later->value("/user/name"_json_pointer, "") == "tl-slow-user" &&
            later->value("/group/name"_json_pointer, "") == "tl-slow-group")
            named = later;
        else
            std::this_thread::sleep_for(50ms);
    }
    writer.join();
    CHECK(named.has_value()); // user and group names, from the database that answered late

    CHECK(tracer.stop() == 0);
    INFO(tracer.err());
    CHECK(tracer.err().find("slow-lookups=") != std::string::npos);
}
