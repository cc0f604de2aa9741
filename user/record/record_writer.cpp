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

RecordWriter::RecordWriter(WriterOptions options)
    : options_(std::move(options)), encoder_(options_.compress)
{
    if (options_.rotate_count < 1)
        options_.rotate_count = 1;
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
    RecordHeader h{make_header_fields(hooks_, wall_now_ns(), file_index_)};
    std::uint64_t before = size_;
    write_frame(encoder_.encode(FrameType::Header, encode_header(h)));
    header_size_ = size_ - before;
}

void RecordWriter::begin(nlohmann::json hooks)
{
    hooks_ = std::move(hooks);
    begun_ = true;
    write_header();
}

bool RecordWriter::write_frame(const std::string &frame)
{
    if (fd_ < 0) { // a rotation or reopen could not open the file
        ++stats_.failed;
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
            if (stats_.failed++ == 0 || stats_.failed % 1000 == 0)
                spdlog::warn("record {}: write failed ({}); {} record(s) lost so far",
                             options_.path, std::strerror(err), stats_.failed);
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    size_ += frame.size();
    stats_.bytes += frame.size();
    ++stats_.frames;
    return true;
}

void RecordWriter::rotate()
{
    ::close(fd_);
    fd_ = -1;
    shift_backups();
    ++file_index_;
    ++stats_.rotations;
    open(/*truncate=*/true);
    write_header();
}

bool RecordWriter::write(FrameType type, std::string_view payload)
{
    if (!begun_)
        begin(nlohmann::json::object());
    std::string frame = encoder_.encode(type, payload);
    if (options_.rotate_size && size_ > header_size_ && size_ + frame.size() > options_.rotate_size) {
        try {
            rotate();
        } catch (const std::exception &e) {
            spdlog::warn("record: rotation failed: {}", e.what());
        }
    }
    return write_frame(frame);
}

void RecordWriter::reopen()
{
    try {
        open(/*truncate=*/false);
    } catch (const std::exception &e) {
        spdlog::warn("record: reopen failed: {}", e.what());
        return;
    }
    write_header();
}

} // namespace tl::record
