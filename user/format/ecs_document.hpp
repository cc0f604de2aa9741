// An event as an Elastic Common Schema document.  The one place that decides
// ECS field names; the JSON format, syslog and the recorder all use it.
#pragma once

#include <nlohmann/json.hpp>

#include "pipeline/event.hpp"

namespace tl {

nlohmann::json ecs_document(const Event &event);
nlohmann::json ecs_drop_document(const DropReport &report);
// {"priority": N, "routine": N}: ring-buffer drops by class (ECS and OCSF).
nlohmann::json drops_by_class(const DropReport &report);

// Sets doc[a][b]... = text made valid UTF-8; when bytes had to be replaced,
// the original goes, base64, under <raw_at>.<dotted path>_base64.
void set_valid_text(nlohmann::json &doc, std::initializer_list<const char *> path,
                    std::string_view text, std::initializer_list<const char *> raw_at);

// set_valid_text keeping originals under trace_listen.raw (ECS documents).
void set_text(nlohmann::json &doc, std::initializer_list<const char *> path, std::string_view text);

} // namespace tl
