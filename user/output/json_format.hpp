// One ECS JSON document per line.
#pragma once

#include "output/record_format.hpp"

namespace tl {

class JsonFormat final : public RecordFormat {
public:
    std::string event(const Event &event) const override;
    std::string drops(const DropReport &report) const override;
};

} // namespace tl
