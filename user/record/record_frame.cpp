#include "record/record_frame.hpp"

#include <openssl/sha.h>
#include <zstd.h>

#include <cstring>

#include <fmt/format.h>

#include "record/crc32c.hpp"

namespace tl::record {

void ZstdCCtxDeleter::operator()(ZSTD_CCtx_s *c) const { ZSTD_freeCCtx(c); }
void ZstdDCtxDeleter::operator()(ZSTD_DCtx_s *c) const { ZSTD_freeDCtx(c); }

namespace {

constexpr std::size_t v1_header_size = 20; // format 1: no version byte, no chain link
constexpr std::size_t crc_offset = frame_header_size - 4;

void put_u32(char *at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        at[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t get_u32(const char *at)
{
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(at[i])) << (8 * i);
    return v;
}

} // namespace

ChainHash hash_frame(std::string_view frame_bytes)
{
    ChainHash h{};
    SHA256(reinterpret_cast<const unsigned char *>(frame_bytes.data()), frame_bytes.size(),
           h.data());
    return h;
}

std::string to_hex(const ChainHash &hash)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(hash.size() * 2, '0');
    for (std::size_t i = 0; i < hash.size(); ++i) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    return out;
}

bool from_hex(std::string_view text, ChainHash &out)
{
    if (text.size() != out.size() * 2)
        return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

std::unique_ptr<ZSTD_DCtx_s, ZstdDCtxDeleter> make_decompressor()
{
    return std::unique_ptr<ZSTD_DCtx_s, ZstdDCtxDeleter>(ZSTD_createDCtx());
}

FrameEncoder::FrameEncoder(bool compress, int level) : level_(level)
{
    if (compress)
        cctx_.reset(ZSTD_createCCtx());
}

std::string FrameEncoder::encode(FrameType type, std::string_view payload, const ChainHash &prev)
{
    std::string_view stored = payload;
    std::uint8_t flags = 0;
    if (cctx_) {
        scratch_.resize(ZSTD_compressBound(payload.size()));
        std::size_t n = ZSTD_compressCCtx(cctx_.get(), scratch_.data(), scratch_.size(),
                                          payload.data(), payload.size(), level_);
        // Store compressed only when it helps; otherwise the frame says so.
        if (!ZSTD_isError(n) && n < payload.size()) {
            stored = std::string_view(scratch_.data(), n);
            flags |= frame_flag_zstd;
        }
    }
    std::string frame(frame_header_size + stored.size(), '\0');
    std::memcpy(frame.data(), frame_magic, 4);
    frame[4] = static_cast<char>(type);
    frame[5] = static_cast<char>(flags);
    frame[6] = static_cast<char>(format_version);
    put_u32(frame.data() + 8, static_cast<std::uint32_t>(stored.size()));
    put_u32(frame.data() + 12, crc32c(stored.data(), stored.size()));
    std::memcpy(frame.data() + 16, prev.data(), prev.size());
    put_u32(frame.data() + crc_offset, crc32c(frame.data(), crc_offset));
    std::memcpy(frame.data() + frame_header_size, stored.data(), stored.size());
    return frame;
}

std::size_t find_magic(std::string_view bytes, std::size_t from)
{
    return bytes.find(std::string_view(frame_magic, 4), from);
}

FrameParse parse_frame(std::string_view bytes, ZSTD_DCtx_s *dctx)
{
    FrameParse r;
    const char *h = bytes.data();
    // A short tail that does not even start like a frame is no frame.
    if (std::memcmp(h, frame_magic, std::min<std::size_t>(bytes.size(), 4)) != 0) {
        r.status = FrameParse::Status::BadHeader;
        r.error = "no frame magic";
        return r;
    }
    if (bytes.size() > 6 && static_cast<std::uint8_t>(h[6]) != format_version) {
        auto version = static_cast<std::uint8_t>(h[6]);
        if (version == 0) { // format 1 had a zero here, and its own header checksum
            if (bytes.size() < v1_header_size) {
                r.needed = v1_header_size;
                return r;
            }
            if (get_u32(h + 16) == crc32c(h, 16)) {
                r.status = FrameParse::Status::OtherVersion;
                r.version = 1;
                r.error = "a frame of record format version 1";
                return r;
            }
        } else if (version > format_version) {
            r.status = FrameParse::Status::OtherVersion;
            r.version = version;
            r.error = fmt::format("a frame of record format version {}", version);
            return r;
        }
        r.status = FrameParse::Status::BadHeader;
        r.error = fmt::format("frame version byte {} is not a version", version);
        return r;
    }
    if (bytes.size() < frame_header_size) {
        r.needed = frame_header_size;
        return r;
    }
    if (get_u32(h + crc_offset) != crc32c(h, crc_offset)) {
        r.status = FrameParse::Status::BadHeader;
        r.error = "frame header checksum mismatch";
        return r;
    }
    r.version = format_version;
    std::uint32_t length = get_u32(h + 8);
    auto type = static_cast<std::uint8_t>(h[4]);
    auto flags = static_cast<std::uint8_t>(h[5]);
    if (length > max_payload_size || type < 1 || type > 3 || (flags & ~frame_flag_zstd) || h[7]) {
        r.status = FrameParse::Status::BadHeader;
        r.error = fmt::format("frame header out of range (type {}, flags {}, length {})", type,
                              flags, length);
        return r;
    }
    r.size = frame_header_size + length;
    r.type = static_cast<FrameType>(type);
    std::memcpy(r.prev.data(), h + 16, r.prev.size());
    if (bytes.size() < r.size) {
        r.needed = r.size;
        return r;
    }
    std::string_view stored = bytes.substr(frame_header_size, length);
    if (get_u32(h + 12) != crc32c(stored.data(), stored.size())) {
        r.status = FrameParse::Status::BadPayload;
        r.error = "payload checksum mismatch";
        return r;
    }
    if (flags & frame_flag_zstd) {
        unsigned long long content = ZSTD_getFrameContentSize(stored.data(), stored.size());
        if (!dctx || content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
            content > max_payload_size) {
            r.status = FrameParse::Status::BadPayload;
            r.error = "compressed payload has no usable content size";
            return r;
        }
        r.payload.resize(content);
        std::size_t n = ZSTD_decompressDCtx(dctx, r.payload.data(), r.payload.size(),
                                            stored.data(), stored.size());
        if (ZSTD_isError(n) || n != content) {
            r.status = FrameParse::Status::BadPayload;
            r.error = fmt::format("payload does not decompress: {}",
                                  ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
            r.payload.clear();
            return r;
        }
    } else {
        r.payload.assign(stored);
    }
    r.hash = hash_frame(bytes.substr(0, r.size));
    r.status = FrameParse::Status::Complete;
    return r;
}

} // namespace tl::record
