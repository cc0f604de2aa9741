// One socket as `trace-listen top` shows it: every text already escaped for
// a terminal, so nothing a process chose for its name reaches the screen raw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/event.hpp"
#include "pipeline/socket_facts.hpp"

namespace tl::top {

enum class Verdict { None, Expected, Unexpected, Forbidden };

struct ListenerRow {
    std::uint64_t key = 0;           // socket cookie, or a stand-in when the kernel had none
    std::string protocol;            // tcp, udp
    std::string address;             // 0.0.0.0, ::1, ...
    std::uint16_t port = 0;
    std::string service;             // ssh, http, ... or empty
    Exposure exposure = Exposure::Address;
    std::string process;             // comm
    std::uint32_t pid = 0;
    std::string user;                // name, or the uid as a number
    std::string container;           // short container id, or empty on the host
    std::int64_t since_wall_ns = 0;  // when it started listening (or was bound)
    bool since_before = false;       // from the snapshot: it listened before `since` already
    Verdict verdict = Verdict::None;
    std::string rule_id;

    // Shown by the details page.
    std::string command_line;
    std::string executable;
    std::vector<std::string> ancestors; // parent first: "pid name executable"
    std::string cgroup;
    std::string container_runtime;
    std::uint64_t cookie = 0;
    std::uint32_t netns = 0;
    std::uint32_t backlog = 0;
    std::string socket_options;      // SO_REUSEADDR dual-stack(also-ipv4) ...
    std::string other_holders;       // snapshot: other pids sharing the socket
};

// "127.0.0.1:8080", "[::]:22"
std::string endpoint_text(const ListenerRow &row);

// The row an event describes (its socket, process and container), escaped.
// A snapshot row's `since` is the snapshot's time: when it began listening
// was never seen.
std::shared_ptr<ListenerRow> row_from_event(const Event &event);

// The key of an event's socket: its cookie, or when the kernel could not
// give one, a stand-in from namespace, protocol, address and port (the same
// for the listen and the close of one socket).
std::uint64_t socket_key(const SocketModel &socket);

} // namespace tl::top
