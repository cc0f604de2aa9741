#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>

#include "pipeline/socket_facts.hpp"
#include "support/event_models.hpp"

using namespace tl;

namespace {
SocketModel sock_at(const char *ip)
{
    SocketModel s;
    s.local = test::ip_address(ip);
    return s;
}
} // namespace

TEST_CASE("exposure classes addresses as a user would")
{
    auto exposure = [](const char *ip) {
        SocketModel s = sock_at(ip);
        return std::string(exposure_name(exposure_of(s.local.family, s.local.bytes)));
    };
    CHECK(exposure("127.0.0.1") == "loopback");
    CHECK(exposure("127.45.1.9") == "loopback");
    CHECK(exposure("::1") == "loopback");
    CHECK(exposure("::ffff:127.0.0.1") == "loopback");
    CHECK(exposure("0.0.0.0") == "all-interfaces");
    CHECK(exposure("::") == "all-interfaces");
    CHECK(exposure("10.1.2.3") == "address");
    CHECK(exposure("fe80::1") == "address");
    CHECK(exposure("128.0.0.1") == "address");
}

TEST_CASE("an IPv6 wildcard socket is dual-stack unless IPV6_V6ONLY is set")
{
    SocketModel s = sock_at("::");
    CHECK(is_dual_stack(s));
    s.options = TL_OPT_V6ONLY;
    CHECK_FALSE(is_dual_stack(s));
    CHECK_FALSE(is_dual_stack(sock_at("0.0.0.0")));
    CHECK_FALSE(is_dual_stack(sock_at("::1")));
}

TEST_CASE("addresses - options - states and errors have their usual names")
{
    SocketModel s = sock_at("2001:db8::7");
    CHECK(address_text(s.local.family, s.local.bytes) == "2001:db8::7");
    CHECK(s.local.text() == "2001:db8::7");
    CHECK(option_names(TL_OPT_REUSEADDR | TL_OPT_FREEBIND) ==
          std::vector<std::string>{"SO_REUSEADDR", "IP_FREEBIND"});
    CHECK(tcp_state_name(10) == "LISTEN");
    CHECK(tcp_state_name(200) == "UNKNOWN");
    CHECK(errno_name(98) == "EADDRINUSE");
    CHECK(errno_name(13) == "EACCES");
    CHECK(transport_name(IPPROTO_UDP, 2) == "udp");
}
