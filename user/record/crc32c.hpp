// CRC-32C (Castagnoli), the checksum of every record-file frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tl::record {

// Table-driven software CRC-32C.  Kept here (20 lines) rather than pulling
// zlib into the core just for crc32: the core links no zlib, and CRC-32C
// detects the burst errors of a torn write better than zlib's CRC-32.
std::uint32_t crc32c(const void *data, std::size_t size, std::uint32_t crc = 0);

} // namespace tl::record
