// Aligned columns for a person at a terminal, like a streaming `ss -ltnup`.
#pragma once

#include "pipeline/line_format.hpp"

namespace tl {

class TableFormat final : public LineFormat {
public:
    explicit TableFormat(TableStyle style = {})
        : LineFormat(std::string("table") + (style.color ? "+color" : "") + (style.dates ? "+dates" : "")),
          style_(style)
    {
    }
    std::string header() const override;
    void write_event(std::string &out, const Event &event) const override;
    void write_drops(std::string &out, const DropReport &report) const override;
    void write_chain_head(std::string &out, const ChainHeadNotice &notice) const override;

private:
    TableStyle style_;
};

// Columns of `text` on a terminal (wcwidth of each character, UTF-8).
std::size_t display_width(std::string_view text);

// The DETAIL column: what else matters about this event, as key=value.
std::string table_detail(const Event &event);
void append_table_detail(std::string &out, const Event &event);

} // namespace tl
