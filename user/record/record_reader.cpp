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
    std::string where = frame ? fmt::format("byte {} (frame {})", offset, frame)
                              : fmt::format("byte {}", offset);
    if (!skipped)
        return fmt::format("{}: {}: {}", file, where, what);
    std::string gone = length ? fmt::format("{} bytes skipped", length) : "to end of file";
    return fmt::format("{}: {}: {} ({})", file, where, what, gone);
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
    FrameParse first = parse_frame(buffer_, nullptr);
    if (first.status == FrameParse::Status::OtherVersion) {
        ::close(fd_);
        fd_ = -1;
        throw RecordFileError(fmt::format(
            "{} is in record format version {}, which this trace-listen cannot read (it reads "
            "version {}): replay it with the trace-listen {} that wrote it",
            name_, first.version, format_version,
            first.version < format_version ? "version" : "(a newer one)"));
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
    have_last_ = false;
    garbage_ = RecordDamage{name_, at, length, what, 0, true};
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

void RecordReader::damage(std::uint64_t at, std::uint64_t length, std::string what, bool skipped)
{
    end_garbage();
    ++damaged_;
    if (skipped)
        have_last_ = false; // the next frame follows the lost one: its link cannot be checked
    if (on_damage_)
        on_damage_(RecordDamage{name_, at, length, std::move(what), frame_number_, skipped});
}

void RecordReader::decode(const FrameParse &frame, std::uint64_t at)
{
    const char *what = frame.type == FrameType::Block  ? "block"
                       : frame.type == FrameType::Seal ? "seal"
                                                       : "header";
    try {
        switch (frame.type) {
        case FrameType::Header:
            header_ = decode_header(frame.payload);
            blocks_.new_file();
            pending_.emplace_back(*header_);
            break;
        case FrameType::Block: {
            std::vector<RecordEntry> entries;
            std::vector<std::string> problems;
            std::string error = blocks_.decode(frame.payload, entries, problems);
            for (auto &p : problems)
                damage(at, 0, p, /*skipped=*/false);
            for (auto &e : entries)
                pending_.push_back(std::move(e));
            if (!error.empty())
                damage(at, frame.size, error);
            break;
        }
        case FrameType::Seal: {
            Seal seal = decode_seal(frame.payload);
            seal.head = frame.hash;
            closed_ = seal.reason != SealReason::Minute;
            pending_.emplace_back(seal);
            break;
        }
        }
    } catch (const std::exception &e) {
        damage(at, frame.size, fmt::format("unreadable {}: {}", what, e.what()));
    }
    pending_offset_ = at;
}

std::optional<RecordEntry> RecordReader::next()
{
    while (fd_ >= 0) {
        if (!pending_.empty()) {
            RecordEntry entry = std::move(pending_.front());
            pending_.pop_front();
            entry_offset_ = pending_offset_;
            return entry;
        }
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
            ++frame_number_;
            if (!first_type_) {
                first_type_ = frame.type;
                first_link_ = frame.prev;
            } else if (have_last_ && frame.prev != last_hash_) {
                damage(at, 0,
                       fmt::format("chain broken: this frame does not follow frame {} (a frame "
                                   "was removed, inserted or moved here, or the file altered)",
                                   frame_number_ - 1),
                       /*skipped=*/false);
            }
            last_hash_ = frame.hash;
            have_last_ = true;
            closed_ = false;
            decode(frame, at);
            continue;
        }
        case FrameParse::Status::Incomplete:
            if (fill())
                continue;
            return std::nullopt; // a partial frame at the end: finish() judges it
        case FrameParse::Status::BadPayload:
            ++frame_number_;
            if (!first_type_)
                first_type_ = frame.type;
            closed_ = false;
            damage(at, frame.size, frame.error);
            consumed_ += frame.size;
            offset_ += frame.size;
            continue;
        case FrameParse::Status::OtherVersion: // inside a file of this version: damage
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
    bool cut = frame.status == FrameParse::Status::Incomplete;
    if (cut)
        ++frame_number_; // the frame that was being written
    std::string what = cut ? fmt::format("last frame cut short ({} of its {}{} bytes)", left,
                                         frame.size ? "" : "at least ", frame.needed)
                           : "trailing bytes that are not a record";
    damage(offset_, left, what);
    consumed_ = buffer_.size();
    offset_ += left;
}

} // namespace tl::record
