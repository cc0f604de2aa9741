#include "record/record_file_sink.hpp"

namespace tl::record {

RecordFileSink::RecordFileSink(WriterOptions options) : writer_(std::move(options)) {}

SinkStats RecordFileSink::stats() const
{
    // Failed records are drops: the session reports them like ring-buffer drops.
    return SinkStats{writer_.stats().records, writer_.stats().failed, writer_.stats().failed};
}

} // namespace tl::record
