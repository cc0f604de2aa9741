#!/usr/bin/env python3
# Writes the crafted_*.tlr seeds of tests/fuzz/corpus/record_reader: record
# files (format 2, docs/record-format.md) with valid checksums and chain and
# hostile contents, around the first block of a real uncompressed record.
# Usage: craft_record_corpus.py corpus/record_reader/plain.tlr corpus/record_reader
# (plain.tlr: `trace-listen record --no-compress`, cut after a few events.)
import hashlib, json, struct, sys

HEADER = 52

def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff

def frames(data):
    off = 0
    while off + HEADER <= len(data):
        assert data[off:off+4] == b"TLRF" and data[off+6] == 2, "not a format 2 frame"
        ftype, flags = data[off+4], data[off+5]
        assert flags == 0, "compressed: record with --no-compress"
        (length,) = struct.unpack_from("<I", data, off+8)
        yield ftype, data[off+HEADER:off+HEADER+length]
        off += HEADER + length

def chain(parts):
    """Frames for (type, payload) pairs, each linked to the one before."""
    out, prev = b"", bytes(32)
    for ftype, payload in parts:
        head = b"TLRF" + bytes([ftype, 0, 2, 0]) + struct.pack("<II", len(payload), crc32c(payload)) + prev
        frame = head + struct.pack("<I", crc32c(head)) + payload
        prev = hashlib.sha256(frame).digest()
        out += frame
    return out

def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])

def svarint(v):
    return varint(((v << 1) ^ (v >> 63)) & 0xffffffffffffffff)

def s(b):
    return varint(len(b)) + b

def event(kind_enum, raw_kind, ts, flags=0, port=8080, peer_port=0):
    """One event record (tag 1) of a listening IPv4 TCP socket, no enrichment."""
    r = bytes([1, kind_enum]) + varint(0)            # tag, kind, bits
    r += svarint(1) + svarint(ts) + svarint(1_700_000_000_000_000_000)  # sequence, ts, wall offset
    r += varint(0) + varint(raw_kind) + svarint(0) + varint(1) + varint(flags) + varint(1)
    r += svarint(4242) + varint(4026531840) + varint(0) + varint(2) + varint(2)  # cookie..req_family
    r += s(bytes([127, 0, 0, 1])) + s(bytes([127, 0, 0, 1]) if peer_port else b"\0\0\0\0") + s(bytes([127, 0, 0, 1]))
    for v in (6, 1, port, peer_port, port, 0, 128, 0, 10):  # protocol..new_state
        r += varint(v)
    for v in (1000, 900, 1, 4242, 4242, 1, 0, 0, 0xffffffff, 0xffffffff, 4026531836, 4026531841, 0):
        r += varint(v)                               # task numbers
    for name in (b"crafted", b"bash", b"crafted", b"session-1.scope"):
        r += s(name)
    return r + s(b"crafted\0--port\08080\0")

src = open(sys.argv[1], "rb").read()
out = sys.argv[2]
all_frames = list(frames(src))
header = next(p for t, p in all_frames if t == 1)
good = next(p for t, p in all_frames if t == 2)  # the first block: defines what it uses

def block(*records):
    return varint(0) + b"".join(records)

# 1. a kernel timestamp of 2^63-1 (overflowed a signed addition: UB)
open(out + "/crafted_timestamp.tlr", "wb").write(chain([
    (1, header), (2, block(event(1, 2, 0x7fffffffffffffff))), (2, good)]))
# 2. an outgoing connection (ACTIVE_OPEN) without a peer port (threw type_error.305)
open(out + "/crafted_outgoing_no_peer.tlr", "wb").write(chain([
    (1, header), (2, block(event(3, 4, 5_000_000_000, flags=1 << 2))), (2, good)]))
# 3. headers whose fields have the wrong types (stopped the replay)
bad = json.dumps({"format": "trace-listen-record", "version": 2, "host": 5, "kernel": {"release": 7},
                  "hooks": "x", "file_index": "one"}).encode()
bad2 = json.dumps({"format": 7, "version": "2"}).encode()
open(out + "/crafted_header_types.tlr", "wb").write(chain([(1, bad), (1, bad2), (2, good)]))
