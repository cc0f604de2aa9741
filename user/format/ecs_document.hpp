// An event as an Elastic Common Schema document, written straight into a
// line buffer (format/json_writer.hpp): the one place that decides ECS field
// names.  The JSON format and syslog use it.
#pragma once

#include <string>

#include "pipeline/event.hpp"
#include "pipeline/notice.hpp"

namespace tl {

// One line each, '\n' included, appended to `out`.
void write_ecs_event(std::string &out, const Event &event);
void write_ecs_drops(std::string &out, const DropReport &report);
// A record's seal: event.kind "state", event.action "record-sealed".
void write_ecs_chain_head(std::string &out, const ChainHeadNotice &notice);

} // namespace tl
