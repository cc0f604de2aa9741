// One ECS JSON document per line.
#pragma once

#include "format/ecs_document.hpp"
#include "pipeline/line_format.hpp"

namespace tl {

class JsonFormat final : public LineFormat {
public:
    JsonFormat() : LineFormat("ecs") {}
    void write_event(std::string &out, const Event &event) const override { write_ecs_event(out, event); }
    void write_drops(std::string &out, const DropReport &report) const override
    {
        write_ecs_drops(out, report);
    }
    void write_chain_head(std::string &out, const ChainHeadNotice &notice) const override
    {
        write_ecs_chain_head(out, notice);
    }
};

} // namespace tl
