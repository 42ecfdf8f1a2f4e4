#!/usr/bin/env python3
"""Writes eng/icon.png, the packages' icon (128x128 RGBA): a headset-blue disc with a white ring and dot, for
"someone listening in". Pure standard library (zlib) so that it runs anywhere; rerun only to change the design."""
import math
import struct
import zlib

SIZE = 128


def pixel(x, y):
    cx = cy = (SIZE - 1) / 2
    r = math.hypot(x - cx, y - cy)
    if r > 62:
        return (0, 0, 0, 0)
    alpha = 255 if r < 61 else int(255 * (62 - r))
    if 34 <= r <= 44 or r <= 16:
        return (255, 255, 255, alpha)
    return (23, 92, 168, alpha)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def main():
    rows = b"".join(b"\x00" + bytes(c for x in range(SIZE) for c in pixel(x, y)) for y in range(SIZE))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    with open(__file__.replace("make-icon.py", "icon.png"), "wb") as f:
        f.write(png)


main()
