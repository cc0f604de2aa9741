// One OCSF document per line: Network Activity (class_uid 4001) for socket
// events, a Base Event for drop reports and record seals.
#pragma once

#include "pipeline/line_format.hpp"

namespace tl {

void write_ocsf_event(std::string &out, const Event &event);
void write_ocsf_drops(std::string &out, const DropReport &report);
void write_ocsf_chain_head(std::string &out, const ChainHeadNotice &notice);

class OcsfFormat final : public LineFormat {
public:
    OcsfFormat() : LineFormat("ocsf") {}
    void write_event(std::string &out, const Event &event) const override { write_ocsf_event(out, event); }
    void write_drops(std::string &out, const DropReport &report) const override
    {
        write_ocsf_drops(out, report);
    }
    void write_chain_head(std::string &out, const ChainHeadNotice &notice) const override
    {
        write_ocsf_chain_head(out, notice);
    }
};

} // namespace tl
