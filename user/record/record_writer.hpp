// Writes record frames to a file, rotating by size with a bounded number of
// files (FILE, FILE.1 ... FILE.<count-1>, oldest deleted), each file opening
// with a header frame.  Every frame goes to the kernel in one write() as it
// is produced, so a SIGKILL loses nothing already handed over; a failed or
// short write (ENOSPC) is cut back off the file, so the file stays a clean
// sequence of frames, and counted.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "record/record_codec.hpp"
#include "record/record_frame.hpp"

namespace tl::record {

struct WriterOptions {
    std::string path;
    std::uint64_t rotate_size = 0; // bytes; 0: never rotate
    unsigned rotate_count = 5;     // files kept in all, the current one included
    bool compress = false;         // zstd per frame
};

struct WriterStats {
    std::uint64_t frames = 0;
    std::uint64_t failed = 0;   // frames not written (disk full, I/O error)
    std::uint64_t rotations = 0;
    std::uint64_t bytes = 0;
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
    ~RecordWriter();

    // The hooks object goes into every header; writes the first header.
    void begin(nlohmann::json hooks);
    // False when the frame could not be written (counted in stats().failed).
    bool write(FrameType type, std::string_view payload);
    // SIGHUP after an external rotation: reopen the path (append), new header.
    void reopen();
    const WriterStats &stats() const { return stats_; }

private:
    void open(bool truncate);
    void rotate();
    void keep_previous_record();
    void shift_backups(); // PATH -> PATH.1 -> ... (the oldest beyond rotate_count is deleted)
    bool write_frame(const std::string &frame);
    void write_header();

    WriterOptions options_;
    FrameEncoder encoder_;
    nlohmann::json hooks_;
    bool begun_ = false;
    int fd_ = -1;
    std::uint64_t size_ = 0;       // bytes of whole frames in the current file
    std::uint64_t header_size_ = 0;
    std::uint64_t file_index_ = 0;
    WriterStats stats_;
};

} // namespace tl::record
