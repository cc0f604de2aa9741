// The record's field encodings (docs/record-format.md "Field encodings"):
// LEB128 varints, zigzag for signed values, strings as varint length + bytes.
// The reader throws std::runtime_error on anything out of bounds: a record is
// untrusted input.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tl::record::wire {

inline std::uint64_t zigzag(std::int64_t v)
{
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v)
{
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class Writer {
public:
    explicit Writer(std::string &out) : out_(out) {}
    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void varint(std::uint64_t v)
    {
        char buf[10];
        int n = 0;
        while (v >= 0x80) {
            buf[n++] = static_cast<char>(v | 0x80);
            v >>= 7;
        }
        buf[n++] = static_cast<char>(v);
        out_.append(buf, n);
    }
    void svarint(std::int64_t v) { varint(zigzag(v)); }
    void bytes(const void *data, std::size_t size)
    {
        varint(size);
        out_.append(static_cast<const char *>(data), size);
    }
    void str(std::string_view s) { bytes(s.data(), s.size()); }
    // A fixed char array of the kernel record: the bytes before its first
    // NUL only (what follows is padding or stale bytes, never data).
    template <std::size_t N> void cstr(const char (&field)[N])
    {
        bytes(field, strnlen(field, N));
    }

private:
    std::string &out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool empty() const { return in_.empty(); }
    std::size_t left() const { return in_.size(); }
    std::uint8_t u8(const char *what)
    {
        need(1, what);
        auto v = static_cast<std::uint8_t>(in_[0]);
        in_.remove_prefix(1);
        return v;
    }
    std::uint64_t varint(const char *what)
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            auto b = u8(what);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80))
                return v;
        }
        throw std::runtime_error(fmt::format("{}: varint longer than 10 bytes", what));
    }
    // A varint that must fit `max` (the field it goes into).
    std::uint64_t varint(const char *what, std::uint64_t max)
    {
        std::uint64_t v = varint(what);
        if (v > max)
            throw std::runtime_error(fmt::format("{} {} is out of range", what, v));
        return v;
    }
    std::int64_t svarint(const char *what) { return unzigzag(varint(what)); }
    std::string_view bytes(const char *what, std::size_t max)
    {
        std::uint64_t n = varint(what);
        if (n > max)
            throw std::runtime_error(fmt::format("{}: {} bytes, at most {} allowed", what, n, max));
        need(n, what);
        std::string_view v = in_.substr(0, n);
        in_.remove_prefix(n);
        return v;
    }
    std::string str(const char *what, std::size_t max = 1 << 16)
    {
        return std::string(bytes(what, max));
    }
    template <std::size_t N> void cstr(char (&field)[N], const char *what)
    {
        std::string_view v = bytes(what, N);
        std::memset(field, 0, N);
        std::memcpy(field, v.data(), v.size());
    }

private:
    void need(std::size_t n, const char *what) const
    {
        if (in_.size() < n)
            throw std::runtime_error(fmt::format("record ends inside {}", what));
    }
    std::string_view in_;
};

} // namespace tl::record::wire
