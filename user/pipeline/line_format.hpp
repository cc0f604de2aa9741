// How one record becomes one line of text.  Formats are stateless and chosen
// per output, so the same event can go out as a table row and as JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/event.hpp"
#include "pipeline/notice.hpp"

namespace tl {

class LineFormat {
public:
    // `key` names the output exactly (format and style): sinks whose formats
    // have the same key get the same bytes, formatted once per event.
    explicit LineFormat(std::string key) : key_(std::move(key)) {}
    virtual ~LineFormat() = default;
    // Written once before the first record (the table's column titles).
    virtual std::string header() const { return {}; }
    // One line, ending in '\n', appended to `out`.  Never contains another
    // newline.
    virtual void write_event(std::string &out, const Event &event) const = 0;
    virtual void write_drops(std::string &out, const DropReport &report) const = 0;
    virtual void write_chain_head(std::string &out, const ChainHeadNotice &notice) const = 0;
    const std::string &key() const { return key_; }

    // The same as a new string (tests, rare paths).
    std::string event(const Event &event) const
    {
        std::string line;
        write_event(line, event);
        return line;
    }
    std::string drops(const DropReport &report) const
    {
        std::string line;
        write_drops(line, report);
        return line;
    }
    std::string chain_head(const ChainHeadNotice &notice) const
    {
        std::string line;
        write_chain_head(line, notice);
        return line;
    }

private:
    std::string key_;
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
