#!/usr/bin/env python3
# Writes the crafted_*.tlr seeds of tests/fuzz/corpus/record_reader: records
# with valid checksums and hostile contents (issue 12), made from an event of
# a real record.  Usage: craft_record_corpus.py corpus/record_reader/plain.tlr corpus/record_reader
import struct, sys, json
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff
def frame(ftype, payload):
    head = b"TLRF" + bytes([ftype, 0]) + b"\0\0" + struct.pack("<II", len(payload), crc32c(payload))
    return head + struct.pack("<I", crc32c(head)) + payload
def frames(data):
    off = 0
    while off + 20 <= len(data):
        assert data[off:off+4] == b"TLRF"
        ftype, flags = data[off+4], data[off+5]
        (length,) = struct.unpack_from("<I", data, off+8)
        yield ftype, flags, data[off+20:off+20+length]
        off += 20 + length
src = open(sys.argv[1], "rb").read()
out = sys.argv[2]
all_frames = list(frames(src))
header = next(p for t, f, p in all_frames if t == 1)
event = next(p for t, f, p in all_frames if t == 2)
raw_size = struct.unpack_from("<I", event, 0)[0]
raw = bytearray(event[4:4+raw_size])
rest = event[4+raw_size:]
SOCK = 32
def with_raw(r, json_patch=None):
    tail = rest
    if json_patch:
        n_holders = struct.unpack_from("<H", tail, 0)[0]
        assert n_holders == 0
        j = json.loads(tail[2:])
        j.update(json_patch)
        tail = tail[:2] + json.dumps(j).encode()
    return struct.pack("<I", raw_size) + bytes(r) + tail
# 1. a kernel timestamp of 2^63-1 (overflowed a signed addition: UB)
r = bytearray(raw); struct.pack_into("<Q", r, 0, 0x7fffffffffffffff)
open(out + "/crafted_timestamp.tlr", "wb").write(frame(1, header) + frame(2, with_raw(r)) + frame(2, event))
# 2. an outgoing connection (ACTIVE_OPEN) without a peer port (threw type_error.305)
r = bytearray(raw)
struct.pack_into("<I", r, 16, 4)          # kind: TL_EVENT_STATE
struct.pack_into("<H", r, 26, 1 << 2)     # flags: TL_EVENT_ACTIVE_OPEN only
struct.pack_into("<H", r, SOCK + 72, 0)  # sock.peer_port
open(out + "/crafted_outgoing_no_peer.tlr", "wb").write(frame(1, header) + frame(2, with_raw(r, {"kind": "state"})) + frame(2, event))
# 3. headers whose fields have the wrong types (stopped the replay)
bad = json.dumps({"format": "trace-listen-record", "version": 1, "host": 5, "kernel": {"release": 7}, "hooks": "x", "file_index": "one"}).encode()
bad2 = json.dumps({"format": 7, "version": "1"}).encode()
open(out + "/crafted_header_types.tlr", "wb").write(frame(1, bad) + frame(1, bad2) + frame(2, event))
