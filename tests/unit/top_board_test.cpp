// The model behind `trace-listen top`: which sockets listen now, what came
// and went, in which order, and what a typed filter keeps.
#include <netinet/in.h>

#include <catch2/catch.hpp>

#include "top/board_sink.hpp"
#include "top/listener_board.hpp"
#include "unit/policy_test_events.hpp"

using namespace tl;
using namespace tl::top;
using tl::test::ListenerSpec;
using tl::test::listener_event;

namespace {

constexpr std::int64_t second = 1'000'000'000;

Event at(Event e, std::int64_t wall_ns)
{
    e.wall_time_ns = wall_ns;
    return e;
}

Event listen_on(std::uint16_t port, std::uint64_t cookie, std::string address = "127.0.0.1",
                std::string comm = "server")
{
    ListenerSpec spec;
    spec.port = port;
    spec.cookie = cookie;
    spec.address = std::move(address);
    spec.comm = std::move(comm);
    return at(listener_event(spec), 100 * second);
}

Event close_of(Event listen, std::int64_t wall_ns, std::uint64_t lifetime_ns)
{
    listen.kind = EventKind::Close;
    listen.wall_time_ns = wall_ns;
    listen.model.lifetime_ns = lifetime_ns;
    listen.model.lifetime_known = true;
    return listen;
}

std::vector<std::uint16_t> ports(const BoardView &v)
{
    std::vector<std::uint16_t> out;
    for (const auto &r : v.listening)
        out.push_back(r->port);
    return out;
}

} // namespace

TEST_CASE("top board: a listen is listening now and its close moves it to came and went with its lifetime")
{
    ListenerBoard board;
    Event listen = listen_on(8080, 77);
    REQUIRE(board.apply(listen));
    BoardView v = board.snapshot();
    REQUIRE(v.listening.size() == 1);
    CHECK(v.listening[0]->process == "server");
    CHECK(v.listening[0]->port == 8080);
    CHECK(v.listening[0]->exposure == Exposure::Loopback);
    CHECK(v.past.empty());

    REQUIRE(board.apply(close_of(listen, 103 * second, 3 * second)));
    v = board.snapshot();
    CHECK(v.listening.empty());
    REQUIRE(v.past.size() == 1);
    CHECK(v.past[0]->kind == PastKind::Closed);
    CHECK(v.past[0]->lifetime_known);
    CHECK(v.past[0]->lifetime_ns == 3 * second);
    CHECK_FALSE(v.past[0]->short_lived);
    CHECK(v.past[0]->socket->process == "server");
}

TEST_CASE("top board: a listener that lived 50 ms is in came and went marked short-lived")
{
    ListenerBoard board;
    Event listen = listen_on(9000, 5);
    board.apply(listen);
    board.apply(close_of(listen, 100 * second + 50'000'000, 50'000'000));
    BoardView v = board.snapshot();
    CHECK(v.listening.empty());
    REQUIRE(v.past.size() == 1);
    CHECK(v.past[0]->short_lived);
    CHECK(v.past[0]->socket->port == 9000);
}

TEST_CASE("top board: a close without a lifetime from the kernel is timed from its listen")
{
    ListenerBoard board;
    Event listen = listen_on(9001, 6);
    board.apply(listen);
    Event close = close_of(listen, 102 * second, 0);
    close.model.lifetime_known = false;
    board.apply(close);
    BoardView v = board.snapshot();
    REQUIRE(v.past.size() == 1);
    CHECK(v.past[0]->lifetime_known);
    CHECK(v.past[0]->lifetime_ns == 2 * second);
}

TEST_CASE("top board: the close of a socket with no cookie finds its listen by address and port")
{
    ListenerBoard board;
    Event listen = listen_on(9002, 0);
    board.apply(listen);
    REQUIRE(board.snapshot().listening.size() == 1);
    board.apply(close_of(listen, 101 * second, second));
    CHECK(board.snapshot().listening.empty());
}

TEST_CASE("top board: a failed bind goes to came and went with its error and who holds the port")
{
    ListenerBoard board;
    Event bind = listen_on(80, 9);
    bind.kind = EventKind::Bind;
    bind.model.error = EADDRINUSE;
    bind.holder_hint = "pid 12 (nginx\x1b[2J)";
    board.apply(bind);
    BoardView v = board.snapshot();
    CHECK(v.listening.empty());
    REQUIRE(v.past.size() == 1);
    CHECK(v.past[0]->kind == PastKind::BindFailed);
    CHECK(v.past[0]->error == "EADDRINUSE");
    CHECK(v.past[0]->holder == "pid 12 (nginx\\x1b[2J)"); // escaped as in the table
}

TEST_CASE("top board: a successful TCP bind is not a listener yet but a UDP bind is")
{
    ListenerBoard board;
    Event tcp_bind = listen_on(7000, 1);
    tcp_bind.kind = EventKind::Bind;
    board.apply(tcp_bind);
    CHECK(board.snapshot().listening.empty());

    ListenerSpec spec;
    spec.protocol = "udp";
    spec.port = 5353;
    spec.cookie = 2;
    spec.kind = EventKind::Bind;
    board.apply(listener_event(spec));
    BoardView v = board.snapshot();
    REQUIRE(v.listening.size() == 1);
    CHECK(v.listening[0]->protocol == "udp");
}

TEST_CASE("top board: bound UDP sockets leave with their process (they have no close event)")
{
    SharedBoard board;
    ListenerSpec spec;
    spec.protocol = "udp";
    spec.kind = EventKind::Existing;
    spec.pid = 100, spec.port = 1000, spec.cookie = 1;
    board.apply(listener_event(spec));
    spec.pid = 200, spec.port = 2000, spec.cookie = 2;
    board.apply(listener_event(spec));
    board.apply(listen_on(3000, 3)); // TCP: left to its close event
    board.forget_exited_udp([](std::uint32_t pid) { return pid == 200; });
    BoardView v = board.snapshot();
    std::vector<std::uint16_t> left = ports(select(v, "", SortKey::Port, false));
    CHECK(left == std::vector<std::uint16_t>{2000, 3000});
}

TEST_CASE("top board: the snapshot does not overwrite a live listen of the same socket")
{
    ListenerBoard board;
    Event live = listen_on(8000, 42);
    live.wall_time_ns = 50 * second;
    board.apply(live);
    Event existing = listen_on(8000, 42);
    existing.kind = EventKind::Existing;
    board.apply(existing);
    BoardView v = board.snapshot();
    REQUIRE(v.listening.size() == 1);
    CHECK_FALSE(v.listening[0]->since_before);
    CHECK(v.listening[0]->since_wall_ns == 50 * second);
}

TEST_CASE("top board: came and went keeps the newest entries up to its capacity - newest first")
{
    BoardLimits limits;
    limits.past = 3;
    ListenerBoard board(limits);
    for (std::uint16_t port = 1; port <= 5; ++port) {
        Event listen = listen_on(port, port);
        board.apply(listen);
        board.apply(close_of(listen, (100 + port) * second, second));
    }
    BoardView v = board.snapshot();
    CHECK(v.past_total == 3);
    REQUIRE(v.past.size() == 3);
    CHECK(v.past[0]->socket->port == 5);
    CHECK(v.past[1]->socket->port == 4);
    CHECK(v.past[2]->socket->port == 3);
}

TEST_CASE("top board: listeners beyond the limit are counted as not kept")
{
    BoardLimits limits;
    limits.listeners = 2;
    ListenerBoard board(limits);
    CHECK(board.apply(listen_on(1, 1)));
    CHECK(board.apply(listen_on(2, 2)));
    CHECK_FALSE(board.apply(listen_on(3, 3)));
    BoardView v = board.snapshot();
    CHECK(v.listening.size() == 2);
    CHECK(v.not_kept == 1);
    CHECK(v.events == 3);
}

TEST_CASE("top board: a row names the service of its port as /etc/services does")
{
    auto ssh = row_from_event(listen_on(22, 1, "0.0.0.0", "sshd"));
    CHECK(ssh->service == "ssh");
    CHECK(ssh->protocol == "tcp");
    CHECK(row_from_event(listen_on(40999, 2))->service.empty());
}

TEST_CASE("top board: sorted by exposure (all interfaces first) then port - or by any column")
{
    ListenerBoard board;
    board.apply(listen_on(22, 1, "0.0.0.0", "sshd"));
    board.apply(listen_on(631, 2, "127.0.0.1", "cupsd"));
    board.apply(listen_on(80, 3, "::", "nginx"));
    board.apply(listen_on(5432, 4, "10.0.0.5", "postgres"));
    board.apply(listen_on(53, 5, "127.0.0.1", "dnsmasq"));
    BoardView all = board.snapshot();

    CHECK(ports(select(all, "", SortKey::Exposure, false)) ==
          std::vector<std::uint16_t>{22, 80, 5432, 53, 631});
    CHECK(ports(select(all, "", SortKey::Port, false)) ==
          std::vector<std::uint16_t>{22, 53, 80, 631, 5432});
    CHECK(ports(select(all, "", SortKey::Port, true)) ==
          std::vector<std::uint16_t>{5432, 631, 80, 53, 22});
    CHECK(ports(select(all, "", SortKey::Process, false)) ==
          std::vector<std::uint16_t>{631, 53, 80, 5432, 22});
    // Every column can be chosen, and the cycle comes back to the default.
    SortKey k = SortKey::Exposure;
    std::size_t n = 0;
    do {
        k = next_sort_key(k);
        ++n;
    } while (k != SortKey::Exposure && n < 100);
    CHECK(n == std::size(all_sort_keys));
}

TEST_CASE("top board: a typed filter matches process or port or container ignoring case")
{
    ListenerBoard board;
    board.apply(listen_on(8080, 1, "0.0.0.0", "Nginx"));
    board.apply(listen_on(22, 2, "0.0.0.0", "sshd"));
    ListenerSpec spec;
    spec.port = 9090;
    spec.cookie = 3;
    spec.comm = "app";
    spec.container_id = "d525fb8b6e18aabbccdd";
    board.apply(at(listener_event(spec), second));
    BoardView all = board.snapshot();

    CHECK(ports(select(all, "nginx", SortKey::Port, false)) == std::vector<std::uint16_t>{8080});
    CHECK(ports(select(all, "22", SortKey::Port, false)) == std::vector<std::uint16_t>{22});
    CHECK(ports(select(all, "80", SortKey::Port, false)) == std::vector<std::uint16_t>{8080});
    CHECK(ports(select(all, "D525", SortKey::Port, false)) == std::vector<std::uint16_t>{9090});
    CHECK(select(all, "nothing-like-this", SortKey::Port, false).listening.empty());
    CHECK(select(all, "", SortKey::Port, false).listening.size() == 3);
}

TEST_CASE("top board: the filter applies to came and went too")
{
    ListenerBoard board;
    Event a = listen_on(1111, 1), b = listen_on(2222, 2);
    board.apply(a);
    board.apply(b);
    board.apply(close_of(a, 101 * second, second));
    board.apply(close_of(b, 102 * second, second));
    BoardView v = select(board.snapshot(), "2222", SortKey::Exposure, false);
    REQUIRE(v.past.size() == 1);
    CHECK(v.past[0]->socket->port == 2222);
    CHECK(v.past_total == 2);
}

TEST_CASE("top board: policy verdicts are counted over what listens now")
{
    ListenerBoard board;
    Event f = listen_on(5432, 1, "0.0.0.0");
    f.verdict = PolicyVerdict{"forbidden", "no-db", "critical"};
    Event u = listen_on(4000, 2);
    u.verdict = PolicyVerdict{"unexpected", "", "medium"};
    Event e = listen_on(22, 3);
    e.verdict = PolicyVerdict{"expected", "ssh", "info"};
    board.apply(f);
    board.apply(u);
    board.apply(e);
    BoardView v = board.snapshot();
    CHECK(v.policy.forbidden == 1);
    CHECK(v.policy.unexpected == 1);
    CHECK(v.policy.expected == 1);
}

TEST_CASE("top board: the sink counts listeners the board could not keep as its drops")
{
    BoardLimits limits;
    limits.listeners = 1;
    SharedBoard board(limits);
    BoardSink sink(board);
    sink.write(listen_on(1, 1));
    sink.write(listen_on(2, 2));
    CHECK(sink.stats().written == 1);
    CHECK(sink.stats().dropped == 1);
}
