// The record file's framing: a file is a sequence of self-checking frames,
// each holding exactly one record, so a file cut anywhere (SIGKILL, a full
// disk) loses at most the frame being written, and a reader can find the
// next good frame after damage by scanning for the magic.
//
//   offset size  field (little endian)
//   0      4     magic "TLRF"
//   4      1     type: 1 header, 2 event, 3 drops
//   5      1     flags: bit 0 = payload is one zstd frame
//   6      2     reserved, 0
//   8      4     stored payload length
//   12     4     CRC-32C of the stored payload
//   16     4     CRC-32C of bytes 0..15 (a torn length is caught before use)
//   20     ...   payload
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace tl::record {

inline constexpr char frame_magic[4] = {'T', 'L', 'R', 'F'};
inline constexpr std::size_t frame_header_size = 20;
// Larger frames are treated as corrupt: a record is a few KB at most.
inline constexpr std::size_t max_payload_size = 4u << 20;

enum class FrameType : std::uint8_t { Header = 1, Event = 2, Drops = 3 };
inline constexpr std::uint8_t frame_flag_zstd = 1;

struct ZstdCCtxDeleter { void operator()(ZSTD_CCtx_s *c) const; };
struct ZstdDCtxDeleter { void operator()(ZSTD_DCtx_s *c) const; };

// Builds frames; reuses one zstd context across frames.
class FrameEncoder {
public:
    explicit FrameEncoder(bool compress, int level = 3);
    // The whole frame (header + payload) for one record.
    std::string encode(FrameType type, std::string_view payload);

private:
    std::unique_ptr<ZSTD_CCtx_s, ZstdCCtxDeleter> cctx_;
    int level_;
    std::string scratch_;
};

struct FrameParse {
    enum class Status {
        Complete,   // a good frame: type, payload (decompressed), size
        Incomplete, // the bytes end inside the frame (needs `needed` bytes in all)
        BadHeader,  // no magic or header CRC mismatch: resynchronise
        BadPayload, // header good, payload CRC/decompression bad: skip `size` bytes
    } status = Status::Incomplete;
    FrameType type = FrameType::Header;
    std::string payload;
    std::size_t size = 0;   // whole frame, when the header was good
    std::size_t needed = 0; // Incomplete: bytes needed from the frame start
    std::string error;      // BadHeader/BadPayload: what was wrong
};

// Parses the frame at the start of `bytes`.  Never throws; never reads past
// `bytes`; allocations bounded by max_payload_size.
FrameParse parse_frame(std::string_view bytes, ZSTD_DCtx_s *dctx);

// Offset of the next frame magic in bytes at or after `from`, npos if none.
std::size_t find_magic(std::string_view bytes, std::size_t from);

std::unique_ptr<ZSTD_DCtx_s, ZstdDCtxDeleter> make_decompressor();

} // namespace tl::record
