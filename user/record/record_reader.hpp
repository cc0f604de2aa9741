// Reads a record file frame by frame.  Damage (a torn tail, flipped bits,
// garbage) is reported with its byte offset through a callback and skipped:
// the reader resynchronises on the next frame magic and goes on.  A file
// that is still growing (`replay --follow`) is read again from where it
// stopped once more bytes arrive.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "record/record_codec.hpp"
#include "record/record_frame.hpp"

namespace tl::record {

struct RecordDamage {
    std::string file;
    std::uint64_t offset = 0; // byte offset where the damage starts
    std::uint64_t length = 0; // bytes skipped (0: to the end of the file)
    std::string what;
    std::string text() const; // "FILE: byte OFFSET: WHAT (LENGTH bytes skipped)"
};

// Not a record file at all, or unreadable: nothing to go on with.
struct RecordFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class RecordReader {
public:
    using DamageHandler = std::function<void(const RecordDamage &)>;

    // Throws RecordFileError when the file cannot be opened or does not start
    // with a frame.  `name` is used in messages.
    RecordReader(const std::string &path, DamageHandler on_damage);
    // Reads from an fd it then owns (tests, the fuzzer: a memfd).
    RecordReader(int fd, std::string name, DamageHandler on_damage);
    RecordReader(const RecordReader &) = delete;
    RecordReader &operator=(const RecordReader &) = delete;
    ~RecordReader();

    // The next good record; nullopt when none is available (yet).
    std::optional<RecordEntry> next();
    // Call when the file is known to be complete: an incomplete last frame
    // is then reported as damage (a cut-short record), once.
    void finish();
    // Inode of the open file (follow: detect rotation of the path).
    std::uint64_t inode() const { return inode_; }
    std::uint64_t offset() const { return offset_; }
    // File offset of the record next() returned last (for messages about it).
    std::uint64_t entry_offset() const { return entry_offset_; }
    std::uint64_t damaged() const { return damaged_; }
    const std::optional<RecordHeader> &header() const { return header_; }

private:
    bool fill();
    void damage(std::uint64_t at, std::uint64_t length, std::string what);
    // Bytes that are not a frame: consecutive ones make one report.
    void garbage(std::uint64_t at, std::uint64_t length, const std::string &what);
    void end_garbage();
    std::optional<RecordEntry> decode(const FrameParse &frame, std::uint64_t at);

    int fd_ = -1;
    std::string name_;
    DamageHandler on_damage_;
    std::unique_ptr<ZSTD_DCtx_s, ZstdDCtxDeleter> dctx_;
    std::string buffer_;      // unread bytes, starting at file offset offset_
    std::size_t consumed_ = 0; // bytes of buffer_ already handled
    std::uint64_t offset_ = 0; // file offset of buffer_[consumed_]
    std::uint64_t entry_offset_ = 0;
    std::uint64_t inode_ = 0;
    std::uint64_t damaged_ = 0;
    bool eof_ = false;
    bool finished_ = false;
    std::optional<RecordHeader> header_;
    std::optional<RecordDamage> garbage_; // the stretch being skipped, reported when it ends
};

} // namespace tl::record
