# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""failures() in a few lines: /usr/bin/python3 examples/python/demo.py (as root)."""
from minderbinder import failures

with failures("openat:ENOENT:times=1:path=/etc/hostname") as f:
    for i in range(3):
        try:
            print(i, open("/etc/hostname").read().strip())
        except OSError as e:
            print(i, e)
print(f.stats())

try:
    with failures("opennat:ENOENT"):
        pass
except ValueError as e:
    print("ValueError:", e)
