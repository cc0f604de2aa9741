// Aligned columns for a person at a terminal, like a streaming `ss -ltnup`.
#pragma once

#include "pipeline/line_format.hpp"

namespace tl {

class TableFormat final : public LineFormat {
public:
    explicit TableFormat(TableStyle style = {}) : style_(style) {}
    std::string header() const override;
    std::string event(const Event &event) const override;
    std::string drops(const DropReport &report) const override;

private:
    TableStyle style_;
};

// Columns of `text` on a terminal (wcwidth of each character, UTF-8).
std::size_t display_width(std::string_view text);

// The DETAIL column: what else matters about this event, as key=value.
std::string table_detail(const Event &event);

} // namespace tl
