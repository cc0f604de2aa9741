// Records <-> frame payloads.  An event frame keeps the kernel's raw
// tl_event bytes (so replay decodes exactly what the kernel sent) and, as
// JSON, everything userspace added plus the ECS document as it was written.
//
// Event payload:  u32 raw_size | raw tl_event | u16 holder_count |
//                 holder_count x tl_task | JSON (userspace fields, "ecs")
// Drops payload:  JSON.   Header payload: JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "pipeline/event.hpp"

namespace tl::record {

// What the header frame at the start of every file says.
struct RecordHeader {
    nlohmann::json fields; // format, version, host, boot_id, kernel, hooks, start_time, ...
};

using RecordEntry = std::variant<RecordHeader, Event, DropReport>;

// The header of a new file: host, boot id, kernel, tool version, start time.
// `hooks` is ActiveHooks::describe() and friends; `file_index` counts rotations.
nlohmann::json make_header_fields(const nlohmann::json &hooks, std::int64_t start_wall_ns,
                                  std::uint64_t file_index);

std::string encode_header(const RecordHeader &header);
std::string encode_event(const Event &event);
std::string encode_drops(const DropReport &report);

// Throw std::runtime_error saying what is wrong (never crash on hostile bytes).
RecordHeader decode_header(std::string_view payload);
Event decode_event_payload(std::string_view payload);
DropReport decode_drops(std::string_view payload);

std::string_view event_kind_name(EventKind kind);

} // namespace tl::record
