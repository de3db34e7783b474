# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Where `make install` put libminderbinder.so.0: the Makefile rewrites this
# file in the copy it installs. None for `pip install backend/python`.
LIBDIR = None
