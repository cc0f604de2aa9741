// The record file's framing (format version 2, docs/record-format.md): a
// file is a sequence of self-checking frames chained by SHA-256, so a file
// cut anywhere (SIGKILL, a full disk) loses at most the frame being written,
// a reader finds the next good frame after damage by scanning for the magic,
// and a frame that was altered, removed or moved breaks the chain where it
// happened.
//
//   offset size  field (little endian)
//   0      4     magic "TLRF"
//   4      1     type: 1 header, 2 block of records, 3 seal
//   5      1     flags: bit 0 = payload is one zstd frame
//   6      1     format version (2; version 1 wrote 0 here)
//   7      1     reserved, 0
//   8      4     stored payload length
//   12     4     CRC-32C of the stored payload
//   16     32    chain link: SHA-256 of the whole previous frame
//   48     4     CRC-32C of bytes 0..47 (a torn length is caught before use)
//   52     ...   payload
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace tl::record {

inline constexpr char frame_magic[4] = {'T', 'L', 'R', 'F'};
inline constexpr std::uint8_t format_version = 2;
inline constexpr std::size_t frame_header_size = 52;
// Larger frames are treated as corrupt: a block holds at most 1 MiB of records.
inline constexpr std::size_t max_payload_size = 4u << 20;

enum class FrameType : std::uint8_t { Header = 1, Block = 2, Seal = 3 };
inline constexpr std::uint8_t frame_flag_zstd = 1;

// A link of the hash chain: SHA-256 of one whole frame (header and stored payload).
using ChainHash = std::array<std::uint8_t, 32>;
ChainHash hash_frame(std::string_view frame_bytes);
std::string to_hex(const ChainHash &hash);
// 64 hex digits -> hash; false when it is not one.
bool from_hex(std::string_view text, ChainHash &out);

struct ZstdCCtxDeleter { void operator()(ZSTD_CCtx_s *c) const; };
struct ZstdDCtxDeleter { void operator()(ZSTD_DCtx_s *c) const; };

// Builds frames; reuses one zstd context across frames.
class FrameEncoder {
public:
    explicit FrameEncoder(bool compress, int level = 1);
    // The whole frame (header + payload) for one payload, linked to `prev`.
    std::string encode(FrameType type, std::string_view payload, const ChainHash &prev);

private:
    std::unique_ptr<ZSTD_CCtx_s, ZstdCCtxDeleter> cctx_;
    int level_;
    std::string scratch_;
};

struct FrameParse {
    enum class Status {
        Complete,       // a good frame: type, payload (decompressed), size, prev, hash
        Incomplete,     // the bytes end inside the frame (needs `needed` bytes in all)
        BadHeader,      // no magic or header CRC mismatch: resynchronise
        BadPayload,     // header good, payload CRC/decompression bad: skip `size` bytes
        OtherVersion,   // a frame of another format version (`version`): not readable here
    } status = Status::Incomplete;
    FrameType type = FrameType::Header;
    unsigned version = 0;
    std::string payload;
    std::size_t size = 0;   // whole frame, when the header was good
    std::size_t needed = 0; // Incomplete: bytes needed from the frame start
    ChainHash prev{};       // the link the frame carries
    ChainHash hash{};       // Complete: SHA-256 of this frame
    std::string error;      // BadHeader/BadPayload: what was wrong
};

// Parses the frame at the start of `bytes`.  Never throws; never reads past
// `bytes`; allocations bounded by max_payload_size.
FrameParse parse_frame(std::string_view bytes, ZSTD_DCtx_s *dctx);

// Offset of the next frame magic in bytes at or after `from`, npos if none.
std::size_t find_magic(std::string_view bytes, std::size_t from);

std::unique_ptr<ZSTD_DCtx_s, ZstdDCtxDeleter> make_decompressor();

} // namespace tl::record
