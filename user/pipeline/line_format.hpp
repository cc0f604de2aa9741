// How one record becomes one line of text.  Formats are stateless and chosen
// per output, so the same event can go out as a table row and as JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/event.hpp"

namespace tl {

class LineFormat {
public:
    virtual ~LineFormat() = default;
    // Written once before the first record (the table's column titles).
    virtual std::string header() const { return {}; }
    // One line, ending in '\n'.  Never contains another newline.
    virtual std::string event(const Event &event) const = 0;
    virtual std::string drops(const DropReport &report) const = 0;
};

// How the table looks; the other formats ignore it.
struct TableStyle {
    bool color = false; // ANSI colours: failures, drops and all-interfaces exposure stand out
    bool dates = false; // TIME with the date (replays, files: records from other days)
};

// "table", "json" (alias "ecs"), "ocsf".  Throws std::invalid_argument otherwise.
std::unique_ptr<LineFormat> make_line_format(std::string_view name, TableStyle table = {});
std::vector<std::string> line_format_names();

} // namespace tl
