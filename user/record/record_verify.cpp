#include "record/record_verify.hpp"

#include <set>
#include <variant>

#include <fmt/format.h>

#include "record/record_reader.hpp"

namespace tl::record {

VerifyReport verify_files(const std::vector<std::string> &files,
                          const std::vector<ChainHash> &expected_heads)
{
    VerifyReport report;
    std::set<ChainHash> heads;
    std::optional<ChainHash> previous_end;
    std::string previous_file;
    for (const auto &file : files) {
        std::optional<RecordDamage> first;
        std::uint64_t records = 0;
        std::optional<Seal> last_seal;
        std::unique_ptr<RecordReader> reader;
        try {
            reader = std::make_unique<RecordReader>(file, [&](const RecordDamage &d) {
                if (!first)
                    first = d;
            });
            while (auto entry = reader->next()) {
                if (std::holds_alternative<Event>(*entry) || std::holds_alternative<DropReport>(*entry))
                    ++records;
                else if (auto *s = std::get_if<Seal>(&*entry)) {
                    heads.insert(s->head);
                    last_seal = *s;
                }
            }
            reader->finish();
        } catch (const RecordFileError &e) {
            report.ok = false;
            ++report.unreadable;
            report.lines.push_back(e.what());
            previous_end.reset();
            continue;
        }
        report.frames += reader->frames();
        report.records += records;
        std::string problem;
        if (reader->frames() > 0 && !reader->starts_with_header())
            problem = fmt::format("{}: byte 0 (frame 1): the file does not start with its header "
                                  "frame: its beginning was removed",
                                  file);
        else if (first)
            problem = first->text();
        else if (reader->frames() == 0)
            problem = fmt::format("{}: no frames: not even the header", file);
        else if (previous_end && reader->first_link() != *previous_end)
            problem = fmt::format("{}: byte 0 (frame 1): the chain does not continue {} (files "
                                  "missing between them, or not given oldest first)",
                                  file, previous_file);
        else if (!reader->closed())
            problem = fmt::format("{}: byte {}: ends after frame {} without the seal a recording "
                                  "ends with: the rest was cut off (or the recorder was killed, "
                                  "or is still writing)",
                                  file, reader->offset(), reader->frames());
        if (!problem.empty()) {
            report.ok = false;
            report.lines.push_back(problem);
        } else {
            report.lines.push_back(fmt::format(
                "{}: intact: {} frames, {} records, chain closed by its {} seal, head {}", file,
                reader->frames(), records, seal_reason_name(last_seal->reason),
                to_hex(reader->last_hash())));
        }
        previous_end = reader->last_hash();
        previous_file = file;
    }
    for (const auto &h : expected_heads)
        if (!heads.count(h)) {
            report.ok = false;
            report.lines.push_back(fmt::format(
                "chain head {} is not in {}: the record was rewritten, or it is another record's "
                "head",
                to_hex(h), files.size() == 1 ? files.front() : "these files"));
        }
    return report;
}

} // namespace tl::record
