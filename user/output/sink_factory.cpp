#include "output/sink_factory.hpp"

#include <unistd.h>

#include <stdexcept>

namespace tl {

std::vector<std::unique_ptr<RecordSink>> make_sinks(const std::vector<std::string> &specs,
                                                    std::string_view default_format)
{
    std::vector<std::unique_ptr<RecordSink>> sinks;
    if (specs.empty()) {
        sinks.push_back(std::make_unique<StreamSink>(STDOUT_FILENO,
                                                     make_record_format(default_format), "stdout"));
        return sinks;
    }
    for (const auto &spec : specs) {
        if (spec.rfind("stdout", 0) == 0) {
            std::string_view format = spec.size() > 7 ? std::string_view(spec).substr(7)
                                                      : default_format;
            sinks.push_back(
                std::make_unique<StreamSink>(STDOUT_FILENO, make_record_format(format), "stdout"));
        } else {
            throw std::invalid_argument("--sink '" + spec + "': unknown sink type");
        }
    }
    return sinks;
}

} // namespace tl
