#include "format/json_format.hpp"

#include "format/ecs_document.hpp"

#include <fmt/format.h>

namespace tl {

namespace {

// JSON escapes only C0 controls; a terminal would still act on C1 controls
// (U+0080..U+009F, e.g. CSI), so those are written as \u escapes too.
std::string escape_c1_controls(std::string text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto lead = static_cast<unsigned char>(text[i]);
        if (lead == 0xC2 && i + 1 < text.size()) {
            auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F) {
                out += fmt::format("\\u{:04x}", next);
                ++i;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

} // namespace

// Invalid UTF-8 was already replaced in ecs_document; replace guards the rest.
std::string json_line(const nlohmann::json &doc)
{
    return escape_c1_controls(
               doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
           '\n';
}

std::string JsonFormat::event(const Event &event) const { return json_line(ecs_document(event)); }

std::string JsonFormat::drops(const DropReport &report) const
{
    return json_line(ecs_drop_document(report));
}

} // namespace tl
