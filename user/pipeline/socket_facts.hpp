// Naming socket facts: addresses, exposure, options, states.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/event_model.hpp"
#include "trace_listen/event.h"

namespace tl {


std::string address_text(std::uint16_t family, const std::uint8_t (&addr)[16]);
Exposure exposure_of(std::uint16_t family, const std::uint8_t (&addr)[16]);
std::string_view exposure_name(Exposure exposure);

// An IPv6 socket bound to :: without IPV6_V6ONLY also accepts IPv4.
bool is_dual_stack(const SocketModel &socket);

std::vector<std::string> option_names(std::uint16_t options);
std::string_view tcp_state_name(unsigned state);
std::string_view transport_name(std::uint16_t protocol, std::uint16_t sock_type);
std::string_view family_name(std::uint16_t family); // ipv4 / ipv6
std::string errno_name(int error);                   // EADDRINUSE, ...
std::string_view hook_name(std::uint16_t hook);
// How a bind or listen was made: syscall, io_uring, kernel; empty when the
// record does not say (close and state events, older records).
std::string_view via_name(std::uint8_t via);
std::string_view ring_class_name(unsigned ring_class); // priority / routine

} // namespace tl
