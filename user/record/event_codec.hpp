// Events and drop reports in a block frame.  An event is its model's facts,
// in the order and with the values of the kernel's tl_event, with only the
// bytes that carry data (strings up to their NUL, arguments up to args_len,
// IPv4 addresses in 4 bytes, no padding), plus the facts userspace added.
// Process and container details are written once per file, the first time an
// event needs them, and referenced by number afterwards.  Replay reads the
// facts back into the model and names them as a live event is
// (complete_model), so every output format is produced as it is live.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/event.hpp"
#include "record/record_codec.hpp"

namespace tl::record {

// Definitions kept per file before the tables start again (bounds memory
// of writer and reader however many processes a long recording sees).
inline constexpr std::size_t max_table_entries = 65536;

class BlockEncoder {
public:
    BlockEncoder();
    void add(const Event &event);
    void add(const DropReport &report);
    bool empty() const { return records_ == 0; }
    std::size_t records() const { return records_; }
    std::size_t size() const { return block_.size(); }
    const std::string &payload() const { return block_; }
    // Starts the next block (the delta state starts again: blocks decode alone).
    void next_block();
    // A new file: every process and container is defined again before use.
    void new_file();
    // A block was lost (not written): what it defined is defined again
    // before its next use, under a new table generation.
    void forget_definitions();

private:
    template <typename T> struct Table {
        struct Entry {
            std::shared_ptr<const T> value;
            std::uint32_t index;
        };
        std::unordered_map<const T *, Entry> by_pointer;
        std::unordered_map<std::string, Entry> by_key;
        std::uint32_t next = 0;

        // The reference (index + 1) of `value`: known by its pointer, or by
        // its key when the value is the same (another pointer to an equal
        // process), else `define(index)` writes its definition into the block.
        // The key is made only when the pointer is new.
        template <typename KeyOf, typename Same, typename Define>
        std::uint64_t find_or_define(const std::shared_ptr<const T> &value, KeyOf key_of, Same same,
                                     Define define)
        {
            if (auto it = by_pointer.find(value.get()); it != by_pointer.end())
                return it->second.index + 1;
            std::string key = key_of(*value);
            if (auto it = by_key.find(key); it != by_key.end() && same(*it->second.value, *value)) {
                by_pointer.emplace(value.get(), it->second);
                return it->second.index + 1;
            }
            std::uint32_t index = next++;
            define(index);
            by_pointer.emplace(value.get(), Entry{value, index});
            by_key[std::move(key)] = {value, index};
            return index + 1;
        }
    };
    std::uint64_t process_ref(const std::shared_ptr<const ProcessDetails> &p);
    std::uint64_t container_ref(const std::shared_ptr<const ContainerDetails> &c);
    void put_task(const TaskModel &task);
    void make_room(std::size_t definitions);
    void start_block();

    std::string block_;
    std::size_t records_ = 0;
    std::uint64_t generation_ = 0; // tables started again this often in this file
    bool reset_pending_ = false;
    Table<ProcessDetails> processes_;
    Table<ContainerDetails> containers_;
    // Delta state, per block.
    std::uint64_t prev_sequence_ = 0, prev_ts_ = 0, prev_cookie_ = 0;
    std::int64_t prev_offset_ = 0;
    TaskModel prev_task_;
    bool have_task_ = false;
};

class BlockDecoder {
public:
    // Appends the block's records to `out`.  A malformed record ends the
    // block (what came before it is kept) and is returned as the error; a
    // reference to a definition this reader never saw (lost to damage) is
    // noted in `problems` and the event is kept without those details.
    std::string decode(std::string_view payload, std::vector<RecordEntry> &out,
                       std::vector<std::string> &problems);
    void new_file();

private:
    std::vector<std::shared_ptr<const ProcessDetails>> processes_;
    std::vector<std::shared_ptr<const ContainerDetails>> containers_;
    std::uint64_t generation_ = 0;
};

} // namespace tl::record
