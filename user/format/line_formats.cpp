#include "pipeline/line_format.hpp"

#include <stdexcept>

#include "format/json_format.hpp"
#include "format/ocsf_format.hpp"
#include "format/table_format.hpp"

namespace tl {

std::unique_ptr<LineFormat> make_line_format(std::string_view name, TableStyle table)
{
    if (name == "table")
        return std::make_unique<TableFormat>(table);
    if (name == "json" || name == "ecs")
        return std::make_unique<JsonFormat>();
    if (name == "ocsf")
        return std::make_unique<OcsfFormat>();
    throw std::invalid_argument("unknown output format '" + std::string(name) + "'");
}

std::vector<std::string> line_format_names() { return {"table", "json", "ecs", "ocsf"}; }

} // namespace tl
