// Reads a record file frame by frame.  Damage (a torn tail, flipped bits,
// garbage) is reported with its byte offset through a callback and skipped:
// the reader resynchronises on the next frame magic and goes on.  Every
// frame's chain link is checked against the hash of the frame before it, so
// a frame removed, inserted or moved is reported where it happened.  A file
// that is still growing (`replay --follow`) is read again from where it
// stopped once more bytes arrive.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "record/event_codec.hpp"
#include "record/record_codec.hpp"
#include "record/record_frame.hpp"

namespace tl::record {

struct RecordDamage {
    std::string file;
    std::uint64_t offset = 0; // byte offset where the damage starts
    std::uint64_t length = 0; // bytes skipped (0: to the end of the file)
    std::string what;
    std::uint64_t frame = 0;  // the frame's number in the file (1: the header), 0 if none
    bool skipped = true;      // false: nothing was skipped (a broken chain link, a lost definition)
    // "FILE: byte OFFSET (frame N): WHAT (LENGTH bytes skipped)"
    std::string text() const;
};

// Not a record file at all, or unreadable: nothing to go on with.
struct RecordFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class RecordReader {
public:
    using DamageHandler = std::function<void(const RecordDamage &)>;

    // Throws RecordFileError when the file cannot be opened, does not start
    // with a frame or is of another format version.  `name` is used in messages.
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
    // Frames read whole (damaged ones included in the numbering).
    std::uint64_t frames() const { return frame_number_; }
    // The file's first frame was its header (else its start is missing).
    bool starts_with_header() const { return first_type_ == FrameType::Header; }
    // The last good frame was a closing seal (end of recording or rotation).
    bool closed() const { return closed_; }
    // The link the first frame carried (the head the previous file ended
    // with, zero for a first file) and the hash of the last good frame.
    const ChainHash &first_link() const { return first_link_; }
    const ChainHash &last_hash() const { return last_hash_; }

private:
    bool fill();
    void damage(std::uint64_t at, std::uint64_t length, std::string what, bool skipped = true);
    // Bytes that are not a frame: consecutive ones make one report.
    void garbage(std::uint64_t at, std::uint64_t length, const std::string &what);
    void end_garbage();
    void decode(const FrameParse &frame, std::uint64_t at);

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
    BlockDecoder blocks_;
    std::deque<RecordEntry> pending_; // the rest of the last block read
    std::uint64_t pending_offset_ = 0;
    std::uint64_t frame_number_ = 0;
    std::optional<FrameType> first_type_;
    ChainHash first_link_{};
    ChainHash last_hash_{};
    bool have_last_ = false; // false at the start and after damage: the next link is not checked
    bool closed_ = false;
    std::optional<RecordDamage> garbage_; // the stretch being skipped, reported when it ends
};

} // namespace tl::record
