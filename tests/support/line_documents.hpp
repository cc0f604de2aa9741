// An event's ECS / OCSF line parsed back into a document, for tests and
// fuzzers that inspect fields (the product writes lines and never parses
// them).  Header-only, so the fuzzers use it without the test support library.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "format/ecs_document.hpp"
#include "format/ocsf_format.hpp"

namespace tl {

inline nlohmann::json ecs_document(const Event &event)
{
    std::string line;
    write_ecs_event(line, event);
    return nlohmann::json::parse(line);
}

inline nlohmann::json ecs_drop_document(const DropReport &report)
{
    std::string line;
    write_ecs_drops(line, report);
    return nlohmann::json::parse(line);
}

inline nlohmann::json ocsf_document(const Event &event)
{
    std::string line;
    write_ocsf_event(line, event);
    return nlohmann::json::parse(line);
}

inline nlohmann::json ocsf_drop_document(const DropReport &report)
{
    std::string line;
    write_ocsf_drops(line, report);
    return nlohmann::json::parse(line);
}

} // namespace tl
