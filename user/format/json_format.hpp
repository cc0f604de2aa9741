// One ECS JSON document per line.
#pragma once

#include <nlohmann/json.hpp>

#include "pipeline/line_format.hpp"

namespace tl {

// One document as one line that is safe for files, pipes and terminals.
std::string json_line(const nlohmann::json &doc);

class JsonFormat final : public LineFormat {
public:
    std::string event(const Event &event) const override;
    std::string drops(const DropReport &report) const override;
};

} // namespace tl
