# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""minderbinder's pytest plugin (entry point group pytest11, name
"minderbinder"): loaded by pytest once the package is installed.

    @pytest.mark.failures("openat:ENOENT:path=/etc/app.conf", scope="process")
    def test_falls_back(minderbinder):
        assert load_config() == DEFAULTS
        minderbinder.assert_fired(times=1)

The marker's rules are turned on as the last step of the test's setup
(after its fixtures) and off as soon as the test function returns (its
teardown makes sure): the test's own code runs with them, its fixtures do
not. A bad spec, a bad scope or an unknown marker argument fails the test
at setup with the error; nothing is turned on.
"""
import difflib
from collections import namedtuple

import pytest

from minderbinder import Failures, check_fired, check_scope

MARK = "failures"
_MARK_KWARGS = ("scope",)
_KEY = pytest.StashKey()

ActiveRule = namedtuple("ActiveRule", "index spec scope calls faults")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "failures(spec, scope='thread'): turn minderbinder's rules on for the test "
        "(the MINDERBINDER_SYSCALL / MINDERBINDER_NET grammar, e.g. "
        "'openat:ENOENT:path=/x;tcp:5432:refuse'); scope 'thread' (the test's "
        "thread) or 'process' (every thread of the test process)")


class Minderbinder:
    """What the `minderbinder` fixture yields: the test's rules (the
    markers' and those enable() turned on), their stats, assert_fired()."""

    def __init__(self):
        self._on = []        # Failures, in the order they were turned on
        self._errors = []    # what went wrong turning them off

    def __repr__(self):
        return "<minderbinder fixture: %s>" % (
            "; ".join("%s [%s] calls=%d faults=%d" % (r.spec, r.scope, r.calls, r.faults)
                      for r in self.rules) or "no rules")

    def enable(self, spec, scope="thread"):
        """Turn spec's rules on until the test function returns (for a spec
        known only at run time: a port, a tmp_path). Raises ValueError with
        the library's message for a bad spec."""
        f = Failures(spec, scope).enable()
        self._on.append(f)
        return f

    @property
    def failures(self):
        """The Failures objects, in the order they were turned on."""
        return list(self._on)

    def _rules(self):
        out = []
        for f in self._on:
            out.extend((text, st, f) for text, st in f.rules())
        return out

    @property
    def rules(self):
        """[ActiveRule(index, spec, scope, calls, faults)]: every rule of
        the test, numbered across its specs in the order they were turned
        on (the marker closest to the test last), with its counts (after
        the test, the counts as they were when the rules went off)."""
        return [ActiveRule(i, text, f.scope, st.calls, st.faults)
                for i, (text, st, f) in enumerate(self._rules())]

    def stats(self):
        """[RuleStats(calls, faults)] of rules, in the same order."""
        return [st for _, st, _ in self._rules()]

    def assert_fired(self, rule_index=None, times=None):
        """AssertionError with every rule's counts unless rule rule_index
        (None: every rule) injected a fault (times: exactly that many)."""
        __tracebackhide__ = True
        check_fired([(text, st) for text, st, _ in self._rules()], rule_index, times)

    def _end(self):
        """Turn every rule off (the counts stay); keeps errors for _raise."""
        for f in reversed(self._on):
            try:
                f.disable()
            except Exception as e:  # keep going: every rule must go off
                self._errors.append(e)

    def _end_and_raise(self):
        self._end()
        if self._errors:
            err, self._errors = self._errors[0], []
            raise err


def _state(item):
    st = item.stash.get(_KEY, None)
    if st is None:
        st = item.stash[_KEY] = Minderbinder()
        item.addfinalizer(st._end_and_raise)
    return st


def _parse(mark):
    """(spec, scope) of one @pytest.mark.failures, or pytest.fail with why."""
    where = "@pytest.mark.failures"
    unknown = [k for k in mark.kwargs if k not in _MARK_KWARGS]
    if unknown:
        near = difflib.get_close_matches(unknown[0], _MARK_KWARGS, n=1)
        hint = " (did you mean %r?)" % near[0] if near else ""
        pytest.fail("%s: unknown argument %r%s; it takes a spec and scope='thread'|'process'"
                    % (where, unknown[0], hint), pytrace=False)
    if len(mark.args) != 1 or not isinstance(mark.args[0], str):
        pytest.fail("%s takes one spec string, e.g. @pytest.mark.failures('openat:ENOENT:path=/x'), "
                    "not %s" % (where, ", ".join(map(repr, mark.args)) or "nothing"), pytrace=False)
    scope = mark.kwargs.get("scope", "thread")
    try:
        check_scope(scope)
        return mark.args[0], scope
    except ValueError as e:
        error = e
    pytest.fail("%s(%r): %s" % (where, mark.args[0], error), pytrace=False)


@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item):
    # iter_markers: the closest first; turned on farthest first, so the
    # test's own marker is the newest handle and decides first.
    marks = [_parse(m) for m in item.iter_markers(MARK)][::-1]
    if not marks:
        return
    st = _state(item)
    for spec, scope in marks:
        try:
            st.enable(spec, scope)
            continue
        except (ValueError, OSError) as e:
            error = e  # pytest.fail outside the except: no "During handling..."
        st._end()
        pytest.fail("@pytest.mark.failures(%r): %s" % (spec, error), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    try:
        yield
    finally:
        st = item.stash.get(_KEY, None)
        if st is not None:
            st._end()  # errors surface in teardown (the item's finalizer)


@pytest.fixture
def minderbinder(request):
    """The test's rules and their stats; .enable(spec, scope) turns more
    on until the test function returns; .assert_fired(rule_index, times)."""
    return _state(request.node)
