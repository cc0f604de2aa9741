#include "output/record_format.hpp"

#include <stdexcept>

#include "output/json_format.hpp"
#include "output/ocsf_format.hpp"
#include "output/table_format.hpp"

namespace tl {

std::unique_ptr<RecordFormat> make_record_format(std::string_view name, TableStyle table)
{
    if (name == "table")
        return std::make_unique<TableFormat>(table);
    if (name == "json" || name == "ecs")
        return std::make_unique<JsonFormat>();
    if (name == "ocsf")
        return std::make_unique<OcsfFormat>();
    throw std::invalid_argument("unknown output format '" + std::string(name) + "'");
}

std::vector<std::string> record_format_names() { return {"table", "json", "ecs", "ocsf"}; }

} // namespace tl
