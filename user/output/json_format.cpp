#include "output/json_format.hpp"

#include "output/ecs_document.hpp"

namespace tl {

namespace {
// Invalid UTF-8 was already replaced in ecs_document; replace guards the rest.
std::string line_of(const nlohmann::json &doc)
{
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}
} // namespace

std::string JsonFormat::event(const Event &event) const { return line_of(ecs_document(event)); }

std::string JsonFormat::drops(const DropReport &report) const
{
    return line_of(ecs_drop_document(report));
}

} // namespace tl
