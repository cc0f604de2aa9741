// An ECS / OCSF line parsed back into a document, for tests and fuzzers that
// inspect fields (the product writes lines and never parses them).
// Header-only, so the fuzzers use it without the test support library.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "format/ecs_document.hpp"
#include "format/ocsf_format.hpp"

namespace tl {

// The line `write` appends for `item`, parsed.
template <typename Item>
nlohmann::json parsed_line(void (*write)(std::string &, const Item &), const Item &item)
{
    std::string line;
    write(line, item);
    return nlohmann::json::parse(line);
}

inline nlohmann::json ecs_document(const Event &e) { return parsed_line(write_ecs_event, e); }
inline nlohmann::json ecs_drop_document(const DropReport &r) { return parsed_line(write_ecs_drops, r); }
inline nlohmann::json ecs_chain_head_document(const ChainHeadNotice &n)
{
    return parsed_line(write_ecs_chain_head, n);
}
inline nlohmann::json ocsf_document(const Event &e) { return parsed_line(write_ocsf_event, e); }
inline nlohmann::json ocsf_drop_document(const DropReport &r) { return parsed_line(write_ocsf_drops, r); }
inline nlohmann::json ocsf_chain_head_document(const ChainHeadNotice &n)
{
    return parsed_line(write_ocsf_chain_head, n);
}

} // namespace tl
