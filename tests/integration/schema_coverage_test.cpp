// Every kind of line trace-listen writes, in ECS and in OCSF, from real
// events: these are what the last test ("schema: ...") checks against the
// published ECS field list and OCSF schema, so each kind must really be here.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "support/gate.hpp"
#include "support/sockets.hpp"
#include "support/tracer_process.hpp"

using namespace tl::test;

namespace {

// A listener, a connection to it accepted and closed, a failed bind, a UDP
// bind on ::, then a burst into a tiny ring buffer so a drop report follows.
void every_kind_of_event(std::uint16_t &listen_port)
{
    Fd listener = tcp_listener("127.0.0.1", 0);
    listen_port = local_port(listener.get());
    {
        Fd client(socket(AF_INET, SOCK_STREAM, 0));
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(listen_port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(connect(client.get(), reinterpret_cast<sockaddr *>(&to), sizeof to) == 0);
        Fd accepted(accept(listener.get(), nullptr, nullptr));
        REQUIRE(accepted.get() >= 0);
    }
    CHECK(bind_errno(SOCK_STREAM, "127.0.0.1", listen_port) == EADDRINUSE);
    Fd udp = udp_bound("::", 0);
    listener.reset();
    // The consumer drains the events above before the burst overflows the
    // ring buffer (16 KiB holds about 24 of them).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < 400; ++i)
        Fd burst = udp_bound("127.0.0.1", 0);
}

} // namespace

TEST_CASE("ECS and OCSF lines of every event kind are written (and schema-checked after the suite)")
{
    TL_REQUIRE_BPF();
    for (std::string format : {"json", "ocsf"}) {
        INFO("format " << format);
        Gate go;
        std::uint16_t port = 0;
        pid_t child = spawn([&] {
            go.wait();
            every_kind_of_event(port);
            return 0;
        });
        TracerProcess tracer({"-o", format, "--no-snapshot", "--allow-loss", "--ringbuf-size", "16K", "--pid",
                              std::to_string(child), "--events", "bind,listen,close,state"});
        go.open();
        REQUIRE(wait_child(child) == 0);
        std::this_thread::sleep_for(300ms);
        REQUIRE(tracer.stop() == 0);

        std::set<std::string> kinds;
        for (const auto &l : tracer.json_lines()) {
            if (format == "json") {
                std::string action = l["event"]["action"];
                if (action == "socket-bind" && l["event"]["outcome"] == "failure")
                    action += "-failed";
                kinds.insert(action);
            } else {
                std::string action = l["unmapped"]["trace_listen"].value("action", "");
                if (l.value("status_id", 0) == 2)
                    action += "-failed";
                kinds.insert(action);
            }
        }
        INFO("stdout:\n" << tracer.out());
        for (const char *kind : {"socket-bind", "socket-bind-failed", "socket-listen",
                                 "socket-close", "tcp-state-change", "events-dropped"})
            CHECK(kinds.count(kind) == 1);
    }
}
