// One OCSF 1.1 document per line: Network Activity (class_uid 4001) for
// socket events, a Base Event for drop reports.
#pragma once

#include <nlohmann/json.hpp>

#include "pipeline/line_format.hpp"

namespace tl {

class OcsfFormat final : public LineFormat {
public:
    std::string event(const Event &event) const override;
    std::string drops(const DropReport &report) const override;
};

nlohmann::json ocsf_document(const Event &event);
nlohmann::json ocsf_drop_document(const DropReport &report);

} // namespace tl
