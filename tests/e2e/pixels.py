"""Decode the PNGs chromium writes (8-bit RGB or RGBA, not interlaced) into numpy arrays.

A tiny decoder with the stdlib's zlib, so screenshot checks need no imaging library.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # PNG colour type -> samples per pixel


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> np.ndarray:
    """Return the image in `data` as a (height, width, channels) uint8 array."""
    if not data.startswith(SIGNATURE):
        raise ValueError("`data` is not a PNG (bad signature)")
    pos, idat, header = len(SIGNATURE), bytearray(), None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("`data` has no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(
            f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}"
        )
    bpp = CHANNELS[colour]
    stride = width * bpp
    raw = zlib.decompress(bytes(idat))
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1)
        if kind == 0:
            row = line.copy()
        elif kind == 1:  # Sub: a running sum along each channel
            row = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint64) % 256
            row = row.astype(np.uint8).reshape(stride)
        elif kind == 2:  # Up
            row = line + prev
        elif kind in (3, 4):  # Average and Paeth depend on the pixel just decoded
            cur = bytearray(stride)
            above = prev.tobytes()
            src = line.tobytes()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = above[i]
                if kind == 3:
                    cur[i] = (src[i] + ((a + b) >> 1)) & 0xFF
                else:
                    c = above[i - bpp] if i >= bpp else 0
                    cur[i] = (src[i] + _paeth(a, b, c)) & 0xFF
            row = np.frombuffer(bytes(cur), dtype=np.uint8)
        else:
            raise ValueError(f"bad PNG filter type {kind} on row {y}")
        out[y] = row
        prev = out[y]
    return out.reshape(height, width, bpp)
