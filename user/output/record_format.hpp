// How one record becomes one line of text.  Formats are stateless and chosen
// per output, so the same event can go out as a table row and as JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event.hpp"

namespace tl {

class RecordFormat {
public:
    virtual ~RecordFormat() = default;
    // Written once before the first record (the table's column titles).
    virtual std::string header() const { return {}; }
    // One line, ending in '\n'.  Never contains another newline.
    virtual std::string event(const Event &event) const = 0;
    virtual std::string drops(const DropReport &report) const = 0;
};

// "table", "json" (alias "ecs").  Throws std::invalid_argument otherwise.
std::unique_ptr<RecordFormat> make_record_format(std::string_view name);
std::vector<std::string> record_format_names();

} // namespace tl
