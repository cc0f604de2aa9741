#include "record/record_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/event_decode.hpp"
#include "record/record_frame.hpp"

namespace tl::record {

namespace {
constexpr std::uint64_t seal_reserve = 128;   // a seal frame and then some
constexpr std::uint64_t record_slack = 2048;  // a block may pass its limit by one record
} // namespace

RecordWriter::RecordWriter(WriterOptions options)
    : options_(std::move(options)), encoder_(options_.compress), block_limit_(options_.block_bytes)
{
    if (options_.rotate_count < 1)
        options_.rotate_count = 1;
    // Small files: small blocks, so a file is rotated before it passes its size.
    if (options_.rotate_size)
        block_limit_ = std::min<std::size_t>(block_limit_,
                                             std::max<std::uint64_t>(512, options_.rotate_size / 8));
    keep_previous_record();
    open(/*truncate=*/false);
}

void RecordWriter::keep_previous_record()
{
    const std::string &p = options_.path;
    struct stat st {};
    if (stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return; // nothing to lose (open() reports what else is wrong)
    char magic[sizeof frame_magic] = {};
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    bool is_record = fd >= 0 && ::read(fd, magic, sizeof magic) == sizeof magic &&
                     std::memcmp(magic, frame_magic, sizeof magic) == 0;
    if (fd >= 0)
        ::close(fd);
    if (!is_record)
        throw std::runtime_error(fmt::format(
            "{} exists ({} bytes) and is not a trace-listen record; refusing to overwrite it: "
            "choose another file",
            p, st.st_size));
    std::string oldest = fmt::format("{}.{}", p, options_.rotate_count - 1);
    struct stat ost {};
    if (options_.rotate_count == 1 || stat(oldest.c_str(), &ost) == 0)
        throw std::runtime_error(fmt::format(
            "{} already holds a record ({} bytes){}; a record is never overwritten: move {} "
            "away, record to another file, or raise --rotate-count",
            p, st.st_size,
            options_.rotate_count == 1 ? "" : fmt::format(" and {} would be deleted", oldest),
            options_.rotate_count == 1 ? p : "the old files"));
    shift_backups();
    spdlog::warn("record: {} already held a record ({} bytes): kept as {}.1, recording to a new "
                 "{}",
                 p, st.st_size, p, p);
}

void RecordWriter::shift_backups()
{
    const std::string &p = options_.path;
    // FILE.<n-1> is the oldest kept; shift everything one up.
    if (options_.rotate_count == 1) {
        ::unlink(p.c_str());
        return;
    }
    ::unlink(fmt::format("{}.{}", p, options_.rotate_count - 1).c_str());
    for (unsigned i = options_.rotate_count - 1; i > 1; --i)
        ::rename(fmt::format("{}.{}", p, i - 1).c_str(), fmt::format("{}.{}", p, i).c_str());
    ::rename(p.c_str(), (p + ".1").c_str());
}

RecordWriter::~RecordWriter()
{
    try {
        close();
    } catch (const std::exception &e) {
        spdlog::warn("record {}: could not close: {}", options_.path, e.what());
    }
    if (fd_ >= 0)
        ::close(fd_);
}

void RecordWriter::open(bool truncate)
{
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    fd_ = ::open(options_.path.c_str(), flags, 0600); // events name users and commands
    if (fd_ < 0)
        throw std::runtime_error(
            fmt::format("cannot open record file {}: {}", options_.path, std::strerror(errno)));
    struct stat st {};
    size_ = fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

void RecordWriter::write_header()
{
    // Definitions are per file: a file read alone has all it needs.
    block_.new_file();
    file_frames_ = 0;
    file_records_ = 0;
    RecordHeader h{make_header_fields(hooks_, wall_now_ns(), file_index_, previous_file_head_)};
    std::uint64_t before = size_;
    write_frame(FrameType::Header, encode_header(h));
    header_size_ = size_ - before;
    open_file_ = true;
}

void RecordWriter::begin(nlohmann::json hooks)
{
    hooks_ = std::move(hooks);
    begun_ = true;
    last_seal_ = std::chrono::steady_clock::now();
    write_header();
}

bool RecordWriter::write_frame(FrameType type, std::string_view payload)
{
    std::string frame = encoder_.encode(type, payload, head_);
    if (fd_ < 0) { // a rotation or reopen could not open the file
        return false;
    }
    std::size_t off = 0;
    while (off < frame.size()) {
        ssize_t n = ::write(fd_, frame.data() + off, frame.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : ENOSPC;
            // Cut the partial frame off: later frames then still start on a
            // frame boundary and nothing half-written stays behind.
            if (off > 0 && ftruncate(fd_, static_cast<off_t>(size_)) != 0)
                spdlog::warn("record {}: could not cut a partial frame: {}", options_.path,
                             std::strerror(errno));
            if (failed_frames_++ % 1000 == 0)
                spdlog::warn("record {}: write failed ({}); {} frame(s) not written so far",
                             options_.path, std::strerror(err), failed_frames_);
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    head_ = hash_frame(frame);
    size_ += frame.size();
    stats_.bytes += frame.size();
    ++stats_.frames;
    ++file_frames_;
    ++frames_since_seal_;
    return true;
}

bool RecordWriter::write_raw_frame(FrameType type, std::string_view payload)
{
    if (!begun_)
        begin(nlohmann::json::object());
    return write_frame(type, payload);
}

void RecordWriter::write_block()
{
    if (block_.empty())
        return;
    std::size_t n = block_.records();
    if (write_frame(FrameType::Block, block_.payload())) {
        stats_.records += n;
        file_records_ += n;
    } else {
        stats_.failed += n;
        // What the lost block defined must be defined again before use.
        block_.forget_definitions();
    }
    block_.next_block();
    if (options_.rotate_size && size_ > header_size_ &&
        size_ + block_limit_ + record_slack + seal_reserve > options_.rotate_size) {
        try {
            rotate();
        } catch (const std::exception &e) {
            spdlog::warn("record: rotation failed: {}", e.what());
        }
    }
}

void RecordWriter::seal(SealReason reason)
{
    Seal s{reason, file_frames_, file_records_, wall_now_ns(), {}};
    std::uint64_t offset = size_;
    if (!write_frame(FrameType::Seal, encode_seal(s)))
        return;
    frames_since_seal_ = 0;
    last_seal_ = std::chrono::steady_clock::now();
    ++stats_.seals;
    if (on_seal_)
        on_seal_(ChainHeadNotice{options_.path, file_index_, file_frames_, offset,
                               std::string(seal_reason_name(reason)), to_hex(head_),
                               file_records_, s.wall_time_ns});
}

void RecordWriter::rotate()
{
    seal(SealReason::Rotation);
    open_file_ = false;
    ::close(fd_);
    fd_ = -1;
    shift_backups();
    ++file_index_;
    ++stats_.rotations;
    previous_file_head_ = to_hex(head_);
    open(/*truncate=*/true);
    write_header();
}

void RecordWriter::after_record()
{
    if (block_.size() >= block_limit_)
        write_block();
}

void RecordWriter::before_record()
{
    if (!begun_)
        begin(nlohmann::json::object());
    if (!open_file_)
        write_header();
    if (block_.empty())
        block_start_ = std::chrono::steady_clock::now();
}

void RecordWriter::write(const Event &event)
{
    before_record();
    block_.add(event);
    after_record();
}

void RecordWriter::write(const DropReport &report)
{
    before_record();
    block_.add(report);
    after_record();
}

void RecordWriter::flush(bool force)
{
    if (!begun_)
        return;
    auto now = std::chrono::steady_clock::now();
    if (!block_.empty() && (force || now - block_start_ >= options_.block_delay))
        write_block();
    if (open_file_ && frames_since_seal_ > 0 && now - last_seal_ >= options_.seal_interval) {
        write_block();
        seal(SealReason::Minute);
    }
}

void RecordWriter::close()
{
    if (!begun_ || !open_file_)
        return;
    write_block();
    seal(SealReason::Close);
    open_file_ = false;
}

void RecordWriter::reopen()
{
    // What was gathered belongs to the file the old descriptor names.
    close();
    previous_file_head_ = to_hex(head_);
    try {
        open(/*truncate=*/false);
    } catch (const std::exception &e) {
        spdlog::warn("record: reopen failed: {}", e.what());
        return;
    }
    write_header();
}

} // namespace tl::record
