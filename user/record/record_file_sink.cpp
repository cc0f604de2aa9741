#include "record/record_file_sink.hpp"

#include "record/record_codec.hpp"

namespace tl::record {

RecordFileSink::RecordFileSink(WriterOptions options) : writer_(std::move(options)) {}

void RecordFileSink::write(const Event &event)
{
    if (writer_.write(FrameType::Event, encode_event(event)))
        ++written_;
}

void RecordFileSink::write(const DropReport &report)
{
    if (writer_.write(FrameType::Drops, encode_drops(report)))
        ++written_;
}

SinkStats RecordFileSink::stats() const
{
    // Failed frames are drops: the session reports them like ring-buffer drops.
    return SinkStats{written_, writer_.stats().failed, writer_.stats().failed};
}

} // namespace tl::record
