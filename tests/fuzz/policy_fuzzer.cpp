// libFuzzer target: any bytes as a policy file.  The parser must either
// return a policy or throw PolicyError, never crash or hang; a policy that
// parses must judge an event without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/policy_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    try {
        tl::Policy policy = tl::parse_policy(text, "fuzz.yaml");
        tl::Event event;
        event.kind = tl::EventKind::Listen;
        const std::uint8_t any[16] = {};
        tl::set_ip_address(event.model.socket.local, 10, any); // AF_INET6 ::, dual-stack
        event.model.socket.protocol = 6;
        event.model.socket.port = 22;
        (void)policy.judge(event);
    } catch (const tl::PolicyError &) {
    }
    return 0;
}
