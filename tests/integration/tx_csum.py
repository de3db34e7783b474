# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""tx_csum.py DEV on|off: a device's transmit checksum offload, through
ETHTOOL_SFEATURES (what `ethtool -K DEV tx off` does), for the tests of
corrupt=checksum: with it off, the kernel computes each checksum before
the tc program and the receiving end verifies it. Fails when the device
cannot change it (lo cannot)."""
import ctypes
import fcntl
import socket
import struct
import sys

SIOCETHTOOL, GSSET_INFO, GSTRINGS, GFEATURES, SFEATURES, SS_FEATURES = (
    0x8946, 0x37, 0x1B, 0x3A, 0x3B, 4)
FEATURES = ("tx-checksum-ip-generic", "tx-checksum-ipv4", "tx-checksum-ipv6")

dev, on = sys.argv[1], sys.argv[2] == "on"
sock = socket.socket()


def call(buf):
    fcntl.ioctl(sock, SIOCETHTOOL, struct.pack("16sP", dev.encode(), ctypes.addressof(buf)))


info = ctypes.create_string_buffer(struct.pack("IIQI", GSSET_INFO, 0, 1 << SS_FEATURES, 0))
call(info)
n = struct.unpack_from("I", info, 16)[0]
strs = ctypes.create_string_buffer(struct.pack("III", GSTRINGS, SS_FEATURES, n) + b"\0" * (32 * n))
call(strs)
names = [strs.raw[12 + 32 * i:12 + 32 * (i + 1)].split(b"\0")[0].decode() for i in range(n)]
blocks = (n + 31) // 32
valid, want = [0] * blocks, [0] * blocks
for name in FEATURES:
    if name in names:
        i = names.index(name)
        valid[i // 32] |= 1 << (i % 32)
        if on:
            want[i // 32] |= 1 << (i % 32)
call(ctypes.create_string_buffer(struct.pack("II", SFEATURES, blocks) +
                                 b"".join(struct.pack("II", v, w) for v, w in zip(valid, want))))
got = ctypes.create_string_buffer(struct.pack("II", GFEATURES, blocks) + b"\0" * (16 * blocks))
call(got)
for name in FEATURES:
    if name in names:
        i = names.index(name)
        active = struct.unpack_from("IIII", got, 8 + 16 * (i // 32))[2]
        if bool(active >> (i % 32) & 1) != on:
            sys.exit("%s: %s stays %s" % (dev, name, "off" if not on else "on"))
