#include "record/record_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace tl::record {

namespace {
constexpr std::size_t read_chunk = 256 * 1024;
}

std::string RecordDamage::text() const
{
    std::string skipped = length ? fmt::format("{} bytes skipped", length) : "to end of file";
    return fmt::format("{}: byte {}: {} ({})", file, offset, what, skipped);
}

RecordReader::RecordReader(const std::string &path, DamageHandler on_damage)
    : RecordReader(::open(path.c_str(), O_RDONLY | O_CLOEXEC), path, std::move(on_damage))
{
}

RecordReader::RecordReader(int fd, std::string name, DamageHandler on_damage)
    : fd_(fd), name_(std::move(name)), on_damage_(std::move(on_damage)), dctx_(make_decompressor())
{
    if (fd_ < 0)
        throw RecordFileError(fmt::format("cannot open {}: {}", name_, std::strerror(errno)));
    struct stat st {};
    if (fstat(fd_, &st) == 0) {
        inode_ = st.st_ino;
        if (S_ISDIR(st.st_mode)) {
            ::close(fd_);
            fd_ = -1;
            throw RecordFileError(fmt::format("{} is a directory, not a record file", name_));
        }
    }
    // An empty file may be one `record` just created (follow): judge it later.
    fill();
    if (buffer_.size() >= 4 && std::memcmp(buffer_.data(), frame_magic, 4) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw RecordFileError(
            fmt::format("{} is not a trace-listen record file (no frame magic at byte 0)", name_));
    }
}

RecordReader::~RecordReader()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool RecordReader::fill()
{
    if (consumed_ > 0) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    std::size_t old = buffer_.size();
    buffer_.resize(old + read_chunk);
    ssize_t n;
    do {
        n = ::read(fd_, buffer_.data() + old, read_chunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        buffer_.resize(old);
        damage(offset_ + old, 0, fmt::format("read failed: {}", std::strerror(err)));
        eof_ = true;
        return false;
    }
    buffer_.resize(old + static_cast<std::size_t>(n));
    eof_ = n == 0;
    return n > 0;
}

void RecordReader::garbage(std::uint64_t at, std::uint64_t length, const std::string &what)
{
    if (garbage_ && garbage_->offset + garbage_->length == at) {
        garbage_->length += length;
        return;
    }
    end_garbage();
    garbage_ = RecordDamage{name_, at, length, what};
}

void RecordReader::end_garbage()
{
    if (!garbage_)
        return;
    RecordDamage d = std::move(*garbage_);
    garbage_.reset();
    ++damaged_;
    if (on_damage_)
        on_damage_(d);
}

void RecordReader::damage(std::uint64_t at, std::uint64_t length, std::string what)
{
    end_garbage();
    ++damaged_;
    if (on_damage_)
        on_damage_(RecordDamage{name_, at, length, std::move(what)});
}

std::optional<RecordEntry> RecordReader::decode(const FrameParse &frame, std::uint64_t at)
{
    try {
        switch (frame.type) {
        case FrameType::Header: {
            header_ = decode_header(frame.payload);
            return RecordEntry{*header_};
        }
        case FrameType::Event: return RecordEntry{decode_event_payload(frame.payload)};
        case FrameType::Drops: return RecordEntry{decode_drops(frame.payload)};
        }
    } catch (const std::exception &e) {
        damage(at, frame.size, fmt::format("unreadable {} record: {}",
                                           frame.type == FrameType::Event ? "event"
                                           : frame.type == FrameType::Drops ? "drop"
                                                                            : "header",
                                           e.what()));
    }
    return std::nullopt;
}

std::optional<RecordEntry> RecordReader::next()
{
    while (fd_ >= 0) {
        std::string_view avail(buffer_.data() + consumed_, buffer_.size() - consumed_);
        if (avail.empty()) {
            if (!fill())
                return std::nullopt; // garbage up to here: reported by finish() or later
            continue;
        }
        FrameParse frame = parse_frame(avail, dctx_.get());
        std::uint64_t at = offset_;
        switch (frame.status) {
        case FrameParse::Status::Complete: {
            consumed_ += frame.size;
            offset_ += frame.size;
            end_garbage();
            if (auto entry = decode(frame, at)) {
                entry_offset_ = at;
                return entry;
            }
            continue;
        }
        case FrameParse::Status::Incomplete:
            if (fill())
                continue;
            return std::nullopt; // a partial frame at the end: finish() judges it
        case FrameParse::Status::BadPayload:
            damage(at, frame.size, frame.error);
            consumed_ += frame.size;
            offset_ += frame.size;
            continue;
        case FrameParse::Status::BadHeader: {
            // Resynchronise: the next magic in what we have (or, if none,
            // keep the last 3 bytes: a magic may straddle the next read).
            std::size_t next = find_magic(avail, 1);
            if (next == std::string_view::npos) {
                std::size_t keep = std::min<std::size_t>(avail.size(), 3);
                std::size_t skip = avail.size() - keep;
                if (skip == 0) {
                    if (fill())
                        continue;
                    return std::nullopt; // a few stray bytes at the end: finish() judges
                }
                // One damaged stretch is reported once, however many reads it spans.
                garbage(at, skip, frame.error);
                consumed_ += skip;
                offset_ += skip;
                fill();
                continue;
            }
            garbage(at, next, frame.error);
            end_garbage();
            consumed_ += next;
            offset_ += next;
            continue;
        }
        }
    }
    return std::nullopt;
}

void RecordReader::finish()
{
    if (finished_)
        return;
    finished_ = true;
    while (fill()) {
    }
    std::size_t left = buffer_.size() - consumed_;
    if (left == 0) {
        end_garbage();
        return;
    }
    FrameParse frame = parse_frame(std::string_view(buffer_.data() + consumed_, left), nullptr);
    if (garbage_ && garbage_->offset + garbage_->length == offset_) {
        // Trailing bytes continue the stretch of garbage before them.
        garbage(offset_, left, garbage_->what);
        end_garbage();
        consumed_ = buffer_.size();
        offset_ += left;
        return;
    }
    std::string what = frame.status == FrameParse::Status::Incomplete
                           ? fmt::format("last record cut short ({} of {} bytes)", left,
                                         frame.needed)
                           : "trailing bytes that are not a record";
    damage(offset_, left, what);
    consumed_ = buffer_.size();
    offset_ += left;
}

} // namespace tl::record
