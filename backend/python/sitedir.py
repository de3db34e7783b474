# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Where `make install PREFIX=...` puts the package so that the python3
running this finds it: python3 sitedir.py PREFIX.

Debian's python3 looks in /usr/lib/python3/dist-packages (its packages,
scheme deb_system) and /usr/local/lib/python3.X/dist-packages (scheme
posix_local); Debian's pip --prefix adds a /local of its own, so the
Makefile installs with pip --target into the directory printed here. Any
other PREFIX gets the upstream layout (PREFIX/lib/python3.X/site-packages),
which needs PYTHONPATH.
"""
import sys
import sysconfig

prefix = sys.argv[1].rstrip("/") or "/"
schemes = sysconfig.get_scheme_names()
if prefix == "/usr" and "deb_system" in schemes:
    path = sysconfig.get_path("purelib", "deb_system", vars={"base": "/usr"})
elif prefix == "/usr/local" and "posix_local" in schemes:
    path = sysconfig.get_path("purelib", "posix_local", vars={"base": "/usr"})
else:
    path = sysconfig.get_path("purelib", "posix_prefix", vars={"base": prefix})
print(path)
