// What a record file holds besides events: the header that opens every file
// (JSON: it is read once and by people too) and the seals that close a
// stretch of the hash chain (binary).  Events and drop reports travel in
// blocks (record/event_codec.hpp).  Layouts: docs/record-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "pipeline/event.hpp"
#include "record/record_frame.hpp"

namespace tl::record {

// What the header frame at the start of every file says.
struct RecordHeader {
    nlohmann::json fields; // format, version, host, boot_id, kernel, hooks, start_time, ...
};

// Why a seal was written: the chain head it carries goes to the log sinks.
enum class SealReason : std::uint8_t { Minute = 1, Rotation = 2, Close = 3 };
std::string_view seal_reason_name(SealReason reason);

struct Seal {
    SealReason reason = SealReason::Minute;
    std::uint64_t frames = 0;  // frames of this file before the seal
    std::uint64_t records = 0; // events and drop reports in this file before the seal
    std::int64_t wall_time_ns = 0;
    ChainHash head{};          // reader: SHA-256 of the seal frame (the head it publishes)
};

using RecordEntry = std::variant<RecordHeader, Event, DropReport, Seal>;

// The header of a new file: host, boot id, kernel, tool version, start time.
// `hooks` is ActiveHooks::describe() and friends; `file_index` counts rotations;
// `previous_head` is the chain head the previous file ended with (empty: none).
nlohmann::json make_header_fields(const nlohmann::json &hooks, std::int64_t start_wall_ns,
                                  std::uint64_t file_index, const std::string &previous_head);

std::string encode_header(const RecordHeader &header);
std::string encode_seal(const Seal &seal);

// Throw std::runtime_error saying what is wrong (never crash on hostile bytes).
RecordHeader decode_header(std::string_view payload);
Seal decode_seal(std::string_view payload);

std::string_view event_kind_name(EventKind kind);

} // namespace tl::record
