# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""minderbinder from Python: a ctypes binding to libminderbinder
(include/minderbinder.h).

    from minderbinder import failures

    with failures("openat:ENOENT:path=/etc/app.conf") as f:
        cfg = load_config()          # open() sees ENOENT, falls back
    f.assert_fired(times=1)          # it fired, once

The library, first found wins (library_path() says which one it is):
  1. $MINDERBINDER_LIB (and nothing else when it is set);
  2. LIBDIR/libminderbinder.so.0, LIBDIR being the one `make install`
     installed this package with;
  3. libminderbinder.so.0 through the dynamic loader (LD_LIBRARY_PATH,
     ldconfig's cache, /lib, /usr/lib);
  4. ctypes.util.find_library("minderbinder");
  5. run from a checkout (backend/python/minderbinder/), the checkout's
     build/libminderbinder.so.
The library finds mb-helper next to itself, in its libexec directory, or
through MINDERBINDER_HELPER.

With pytest, the plugin (minderbinder.pytest_plugin, loaded by its entry
point once the package is installed) adds @pytest.mark.failures(spec,
scope=...) and the `minderbinder` fixture.
"""
import ctypes
import ctypes.util
import difflib
import errno
import os
from collections import namedtuple

from minderbinder import _install

__all__ = ["failures", "Failures", "RuleStats", "library_path", "split_rules",
           "check_fired", "SCOPES"]

_SCOPES = {"process": 1, "thread": 2}  # enum mb_scope
SCOPES = tuple(_SCOPES)
SONAME = "libminderbinder.so.0"

RuleStats = namedtuple("RuleStats", "calls faults")


class _Stats(ctypes.Structure):
    _fields_ = [("calls", ctypes.c_uint64), ("faults", ctypes.c_uint64)]


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _checkout_library():
    """build/libminderbinder.so of the checkout this file is in, or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", "..", ".."))
    if not os.path.isfile(os.path.join(root, "include", "minderbinder.h")):
        return None
    return os.path.join(root, "build", "libminderbinder.so")


def _candidates():
    """(where, what to dlopen) in the order they are tried."""
    env = os.environ.get("MINDERBINDER_LIB")
    if env:
        yield "MINDERBINDER_LIB", env
        return
    if _install.LIBDIR:
        yield "make install's LIBDIR", os.path.join(_install.LIBDIR, SONAME)
    yield "the dynamic loader", SONAME
    yield "ctypes.util.find_library('minderbinder')", ctypes.util.find_library("minderbinder")
    checkout = _checkout_library()
    if checkout:
        yield "the checkout's build directory", checkout


_lib = None


def _load():
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for where, name in _candidates():
        if name is None:
            tried.append("%s: not found" % where)
            continue
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as e:
            tried.append("%s: %s" % (where, e))
    else:
        raise OSError(errno.ENOENT, "cannot load libminderbinder (set MINDERBINDER_LIB="
                      "/path/to/libminderbinder.so); tried " + "; ".join(tried))
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


def library_path():
    """The file of the libminderbinder this process loaded (loading it)."""
    lib = _load()
    libc = ctypes.CDLL(None)
    libc.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    libc.dladdr.restype = ctypes.c_int
    info = _DlInfo()
    if not libc.dladdr(ctypes.cast(lib.mb_enable, ctypes.c_void_p), ctypes.byref(info)):
        return lib._name
    return os.path.abspath(info.dli_fname.decode())


def _error(ret):
    """The exception for a negative errno from the library, with its message
    (mb_last_error is per thread: call this on the thread that failed)."""
    msg = (_load().mb_last_error() or b"").decode(errors="replace")
    if ret == -errno.EINVAL:
        return ValueError(msg)
    return OSError(-ret, msg or os.strerror(-ret))


def split_rules(spec):
    """The rules of a spec, as written: split at each ';' not escaped
    ('\\;' stands for ';' inside a value)."""
    rules, cur, i = [], [], 0
    while i < len(spec):
        c = spec[i]
        if c == "\\" and i + 1 < len(spec):
            cur.append(spec[i:i + 2])
            i += 2
            continue
        if c == ";":
            rules.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    rules.append("".join(cur))
    return [r for r in rules if r.strip()]


def check_scope(scope):
    """ValueError unless scope is 'thread' or 'process'."""
    if scope not in _SCOPES:
        near = difflib.get_close_matches(str(scope), SCOPES, n=1)
        hint = " (did you mean %r?)" % near[0] if near else ""
        raise ValueError("scope must be 'thread' or 'process', not %r%s" % (scope, hint))


def check_fired(rules, rule_index=None, times=None):
    """AssertionError unless the rules fired: rules is [(text, RuleStats)];
    rule_index None means every rule; times None means at least once, else
    exactly that many faults."""
    __tracebackhide__ = True  # pytest: show the test's line, not this one
    if not rules:
        raise AssertionError("minderbinder: no rules are on")
    if rule_index is None:
        picked = range(len(rules))
    elif not 0 <= rule_index < len(rules):
        raise IndexError("rule_index %r, but %d rule(s) are on (0..%d)"
                         % (rule_index, len(rules), len(rules) - 1))
    else:
        picked = [rule_index]
    bad = []
    for i in picked:
        faults = rules[i][1].faults
        if (faults == 0) if times is None else (faults != times):
            bad.append(i)
    if not bad:
        return
    want = "at least once" if times is None else "%d time%s" % (times, "" if times == 1 else "s")
    lines = ["minderbinder: rule %s did not fire %s:" % (", ".join(map(str, bad)), want)]
    for i, (text, st) in enumerate(rules):
        lines.append("  %s rule %d %-40s calls=%d faults=%d"
                     % ("*" if i in bad else " ", i, text or "?", st.calls, st.faults))
    raise AssertionError("\n".join(lines))


class Failures:
    """The rules of one spec, on between __enter__ and __exit__ (or
    enable() and disable())."""

    def __init__(self, spec, scope="thread"):
        check_scope(scope)
        if not isinstance(spec, str):
            raise TypeError("the spec is a string, not %s" % type(spec).__name__)
        self.spec = spec
        self.scope = scope
        self._handle = None
        self._last = None

    def __repr__(self):
        state = "on" if self.active else "off"
        return "Failures(%r, scope=%r) [%s]" % (self.spec, self.scope, state)

    @property
    def active(self):
        return self._handle is not None

    def enable(self):
        if self._handle is not None:
            raise RuntimeError("%r is already on" % (self,))
        lib = _load()
        h = ctypes.c_void_p()
        ret = lib.mb_enable(self.spec.encode(), _SCOPES[self.scope], ctypes.byref(h))
        if ret < 0:
            raise _error(ret)
        self._handle = h
        return self

    def __enter__(self):
        return self.enable()

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

    def rules(self):
        """[(rule text, RuleStats)] per rule (text None if the spec does not
        split into as many rules as the library counts)."""
        stats = self.stats()
        texts = split_rules(self.spec)
        if len(texts) != len(stats):
            texts = [None] * len(stats)
        return list(zip(texts, stats))

    def assert_fired(self, rule_index=None, times=None):
        """AssertionError (with the counts) unless rule rule_index (None:
        every rule) injected a fault (times: exactly that many)."""
        __tracebackhide__ = True
        check_fired(self.rules(), rule_index, times)

    def disable(self):
        if self._handle is None:
            return
        try:
            self._last = self.stats()
        finally:
            ret = _load().mb_disable(self._handle)
            self._handle = None
        if ret < 0:
            raise _error(ret)

    def __exit__(self, *exc):
        self.disable()
        return False


def failures(spec, scope="thread"):
    """with failures("openat:ENOENT:path=/x"): ... -- the same grammar as
    MINDERBINDER_SYSCALL / MINDERBINDER_NET; scope "thread" (the calling
    thread only) or "process" (every thread). Raises ValueError for a bad
    spec, OSError when the rules cannot be turned on."""
    return Failures(spec, scope)
