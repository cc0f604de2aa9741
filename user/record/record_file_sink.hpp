// `trace-listen record`: a Sink that writes every event and drop
// report, with all fields, to a record file.
#pragma once

#include "pipeline/sink.hpp"
#include "record/record_writer.hpp"

namespace tl::record {

class RecordFileSink final : public Sink {
public:
    explicit RecordFileSink(WriterOptions options);
    // After the kernel programs loaded: the hooks in use go into the header.
    void begin(nlohmann::json hooks) { writer_.begin(std::move(hooks)); }
    void write(const Event &event) override { writer_.write(event); }
    void write(const DropReport &report) override { writer_.write(report); }
    // Once per ring-buffer batch: a block is written when it is old enough.
    void flush() override { writer_.flush(); }
    void reopen() override { writer_.reopen(); }
    SinkStats stats() const override;
    std::string name() const override { return "record"; }
    // The closing seal; later records open the file again with a new header.
    void close() { writer_.close(); }
    void on_seal(std::function<void(const ChainHeadNotice &)> handler)
    {
        writer_.on_seal(std::move(handler));
    }
    const WriterStats &writer_stats() const { return writer_.stats(); }

private:
    RecordWriter writer_;
};

} // namespace tl::record
