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
    void write(const Event &event) override;
    void write(const DropReport &report) override;
    void flush() override {} // every frame is written as it comes
    void reopen() override { writer_.reopen(); }
    SinkStats stats() const override;
    std::string name() const override { return "record"; }
    const WriterStats &writer_stats() const { return writer_.stats(); }

private:
    RecordWriter writer_;
    std::uint64_t written_ = 0;
};

} // namespace tl::record
