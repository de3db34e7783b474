# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A small ctypes binding to libminderbinder (include/minderbinder.h).

    from minderbinder import failures

    with failures("openat:ENOENT:path=/etc/app.conf") as f:
        cfg = load_config()          # open() sees ENOENT, falls back
    assert f.stats()[0].faults == 1  # it fired

The library is MINDERBINDER_LIB if set, else ../../build/libminderbinder.so
relative to this file (mb-helper is found next to it, or through
MINDERBINDER_HELPER).
"""
import ctypes
import errno
import os
from collections import namedtuple

__all__ = ["failures", "Failures", "RuleStats", "library_path"]

_SCOPES = {"process": 1, "thread": 2}  # enum mb_scope

RuleStats = namedtuple("RuleStats", "calls faults")


class _Stats(ctypes.Structure):
    _fields_ = [("calls", ctypes.c_uint64), ("faults", ctypes.c_uint64)]


def library_path():
    env = os.environ.get("MINDERBINDER_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "build", "libminderbinder.so"))


_lib = None


def _load():
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(library_path())
        lib.mb_enable.argtypes = [ctypes.c_char_p, ctypes.c_int,
                                  ctypes.POINTER(ctypes.c_void_p)]
        lib.mb_enable.restype = ctypes.c_int
        lib.mb_disable.argtypes = [ctypes.c_void_p]
        lib.mb_disable.restype = ctypes.c_int
        lib.mb_stats.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Stats), ctypes.c_size_t]
        lib.mb_stats.restype = ctypes.c_int
        lib.mb_last_error.argtypes = []
        lib.mb_last_error.restype = ctypes.c_char_p
        _lib = lib
    return _lib


def _error(ret):
    """The exception for a negative errno from the library, with its message
    (mb_last_error is per thread: call this on the thread that failed)."""
    msg = (_load().mb_last_error() or b"").decode(errors="replace")
    if ret == -errno.EINVAL:
        return ValueError(msg)
    return OSError(-ret, msg or os.strerror(-ret))


class Failures:
    """The rules of one spec, on between __enter__ and __exit__."""

    def __init__(self, spec, scope="thread"):
        if scope not in _SCOPES:
            raise ValueError("scope must be 'thread' or 'process', not %r" % (scope,))
        self.spec = spec
        self.scope = scope
        self._handle = None
        self._last = None

    def __enter__(self):
        lib = _load()
        h = ctypes.c_void_p()
        ret = lib.mb_enable(self.spec.encode(), _SCOPES[self.scope], ctypes.byref(h))
        if ret < 0:
            raise _error(ret)
        self._handle = h
        return self

    def stats(self):
        """[RuleStats(calls, faults)] per rule, in the spec's order; after
        the block, the counts as they were when it ended."""
        if self._handle is None:
            if self._last is None:
                raise RuntimeError("failures(%r) was never enabled" % (self.spec,))
            return list(self._last)
        lib = _load()
        n = 8
        while True:
            buf = (_Stats * n)()
            ret = lib.mb_stats(self._handle, buf, n)
            if ret < 0:
                raise _error(ret)
            if ret <= n:
                return [RuleStats(s.calls, s.faults) for s in buf[:ret]]
            n = ret

    def __exit__(self, *exc):
        if self._handle is None:
            return False
        try:
            self._last = self.stats()
        finally:
            ret = _load().mb_disable(self._handle)
            self._handle = None
        if ret < 0:
            raise _error(ret)
        return False


def failures(spec, scope="thread"):
    """with failures("openat:ENOENT:path=/x"): ... -- the same grammar as
    MINDERBINDER_SYSCALL / MINDERBINDER_NET; scope "thread" (the calling
    thread only) or "process" (every thread). Raises ValueError for a bad
    spec, OSError when the rules cannot be turned on."""
    return Failures(spec, scope)
