#include "sink/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace tl {

FileTransport::FileTransport(std::string path, std::string header, FileRotation rotation)
    : path_(std::move(path)), header_(std::move(header)), rotation_(rotation)
{
    if (!open())
        throw std::invalid_argument(last_error_);
}

FileTransport::~FileTransport() { close(); }

bool FileTransport::open()
{
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
        last_error_ = fmt::format("cannot open {}: {}", path_, std::strerror(errno));
        return false;
    }
    struct stat st {};
    size_ = fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (size_ == 0 && !header_.empty() && !write_all(header_)) {
        close();
        return false;
    }
    return true;
}

void FileTransport::close()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

void FileTransport::reopen()
{
    close();
    // A failure here is retried on the next send, and logged by the queue.
    open();
}

// PATH.N-1 -> PATH.N, ..., PATH -> PATH.1, then a fresh PATH.  Renaming keeps
// every record whole in exactly one file.
bool FileTransport::rotate()
{
    close();
    if (rotation_.backups == 0) {
        ::unlink(path_.c_str());
    } else {
        for (unsigned i = rotation_.backups; i > 1; --i) {
            std::string from = fmt::format("{}.{}", path_, i - 1);
            std::string to = fmt::format("{}.{}", path_, i);
            if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
                last_error_ = fmt::format("cannot rotate {}: {}", from, std::strerror(errno));
                return open();
            }
        }
        ::rename(path_.c_str(), (path_ + ".1").c_str());
    }
    return open();
}

bool FileTransport::write_all(const std::string &bytes)
{
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            last_error_ = fmt::format("cannot write {}: {}", path_,
                                      n < 0 ? std::strerror(errno) : "no progress");
            // Take back a partial record so a retry does not leave half a line.
            if (off > 0 && ftruncate(fd_, static_cast<off_t>(size_)) != 0)
                last_error_ += "; and could not remove the partial record";
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    size_ += bytes.size();
    return true;
}

SendResult FileTransport::send(const std::string &record)
{
    if (fd_ < 0 && !open())
        return SendResult::RetryLater;
    if (rotation_.max_bytes && size_ > 0 && size_ + record.size() > rotation_.max_bytes &&
        !rotate())
        return SendResult::RetryLater;
    return write_all(record) ? SendResult::Delivered : SendResult::RetryLater;
}

std::unique_ptr<QueuedSink> make_file_sink(const std::string &path,
                                           std::unique_ptr<LineFormat> format,
                                           FileRotation rotation, QueueOptions queue)
{
    std::string header = format->header();
    auto transport = std::make_unique<FileTransport>(path, std::move(header), rotation);
    return std::make_unique<QueuedSink>("file:" + path,
                                        std::make_unique<LineEncoder>(std::move(format)),
                                        std::move(transport), queue);
}

} // namespace tl
