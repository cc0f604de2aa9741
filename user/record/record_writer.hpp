// Writes a record file: events and drop reports are gathered into blocks
// (zstd by default) and each block goes to the kernel in one write(), once
// it is full or older than `block_delay` at a flush(); every frame is chained
// to the one before by SHA-256, and a seal frame publishes the chain head
// every `seal_interval`, at rotation and at the end (`on_seal` hands it to
// the log sinks).  Rotation by size keeps a bounded number of files
// (FILE, FILE.1 ... FILE.<count-1>, oldest deleted), each opening with a
// header frame.  A failed or short write (ENOSPC) is cut back off the file,
// so the file stays a clean sequence of frames, and its records are counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/notice.hpp"
#include "record/event_codec.hpp"
#include "record/record_codec.hpp"
#include "record/record_frame.hpp"

namespace tl::record {

struct WriterOptions {
    std::string path;
    std::uint64_t rotate_size = 0; // bytes; 0: never rotate
    unsigned rotate_count = 5;     // files kept in all, the current one included
    bool compress = true;          // zstd per block
    // A block is written once it holds this many bytes of records...
    std::size_t block_bytes = 256 * 1024;
    // ...or when flush() finds its first record older than this (what a
    // SIGKILL can take with it).
    std::chrono::milliseconds block_delay{200};
    std::chrono::seconds seal_interval{60};
};

struct WriterStats {
    std::uint64_t frames = 0;
    std::uint64_t records = 0;  // events and drop reports written
    std::uint64_t failed = 0;   // records not written (disk full, I/O error)
    std::uint64_t rotations = 0;
    std::uint64_t bytes = 0;
    std::uint64_t seals = 0;
};


class RecordWriter {
public:
    // Creates the file.  A record already at the path is never overwritten:
    // it is shifted to PATH.1 (older ones up), as rotation does, unless that
    // would delete the oldest kept file or the path holds something that is
    // not a record; then it throws.  Throws std::runtime_error naming the path.
    explicit RecordWriter(WriterOptions options);
    RecordWriter(const RecordWriter &) = delete;
    RecordWriter &operator=(const RecordWriter &) = delete;
    // close()
    ~RecordWriter();

    // The hooks object goes into every header; writes the first header.
    void begin(nlohmann::json hooks);
    void write(const Event &event);
    void write(const DropReport &report);
    // Writes the gathered block if it is older than block_delay (or `force`),
    // and a seal when one is due.
    void flush(bool force = false);
    // The last block and the closing seal.  Later writes start a new header.
    void close();
    // SIGHUP after an external rotation: reopen the path (append), new header.
    void reopen();
    void on_seal(std::function<void(const ChainHeadNotice &)> handler) { on_seal_ = std::move(handler); }
    const WriterStats &stats() const { return stats_; }

    // Tests and tools: one frame with this payload, chained like any other.
    bool write_raw_frame(FrameType type, std::string_view payload);

private:
    void open(bool truncate);
    void rotate();
    void keep_previous_record();
    void shift_backups(); // PATH -> PATH.1 -> ... (the oldest beyond rotate_count is deleted)
    bool write_frame(FrameType type, std::string_view payload);
    void write_header();
    void write_block();
    void seal(SealReason reason);
    void before_record(); // header written, block timer started
    void after_record();  // a full block goes out

    WriterOptions options_;
    FrameEncoder encoder_;
    BlockEncoder block_;
    std::chrono::steady_clock::time_point block_start_{};
    std::chrono::steady_clock::time_point last_seal_{};
    nlohmann::json hooks_;
    bool begun_ = false;
    bool open_file_ = false;     // a header was written and no closing seal yet
    int fd_ = -1;
    std::uint64_t size_ = 0;     // bytes of whole frames in the current file
    std::uint64_t header_size_ = 0;
    std::uint64_t file_index_ = 0;
    std::uint64_t file_frames_ = 0;  // frames in the current file
    std::uint64_t file_records_ = 0; // records in the current file
    std::uint64_t frames_since_seal_ = 0;
    ChainHash head_{};               // SHA-256 of the last frame written
    std::string previous_file_head_; // the head the previous file ended with
    std::size_t block_limit_;
    std::uint64_t failed_frames_ = 0;
    std::function<void(const ChainHeadNotice &)> on_seal_;
    WriterStats stats_;
};

} // namespace tl::record
