# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""What only a whole pytest run shows, run in a child pytest: a bad marker
fails its test at setup with the error (and the test does not run), the
marker is known (no PytestUnknownMarkWarning), and the rules are on from
the end of setup until the test function returns -- not in fixtures."""
import pytest

BODY = '''
import pytest

@pytest.mark.failures({args})
def test_it(tmp_path):
    (tmp_path.parent / "ran").write_text("the body ran")
'''


@pytest.mark.parametrize("args, message", [
    ('"opennat:ENOENT"', "@pytest.mark.failures('opennat:ENOENT'): "
     "mb_enable: unknown syscall 'opennat' at column 1 (did you mean 'openat'?)"),
    ('"tcp:80:refusee", scope="process"', "@pytest.mark.failures('tcp:80:refusee'): "
     "mb_enable: unknown action (want drop, refuse or an errno) 'refusee' at column 8 (did you mean 'refuse'?)"),
    ('"openat:ENOENT", scop="process"', "@pytest.mark.failures: unknown argument 'scop' "
     "(did you mean 'scope'?); it takes a spec and scope='thread'|'process'"),
    ('"openat:ENOENT", scope="proces"', "@pytest.mark.failures('openat:ENOENT'): "
     "scope must be 'thread' or 'process', not 'proces' (did you mean 'process'?)"),
    ('', "@pytest.mark.failures takes one spec string, e.g. "
     "@pytest.mark.failures('openat:ENOENT:path=/x'), not nothing"),
    ('"openat:ENOENT", "write:EIO"', "@pytest.mark.failures takes one spec string, e.g. "
     "@pytest.mark.failures('openat:ENOENT:path=/x'), not 'openat:ENOENT', 'write:EIO'"),
], ids=["syscall", "action", "argument", "scope", "no-spec", "two-specs"])
def test_a_bad_marker_fails_the_test_at_setup(inner, tmp_path, args, message):
    r = inner(BODY.format(args=args))
    r.assert_outcomes(errors=1)
    at = r.outlines.index("__________________________ ERROR at setup of test_it ___________________________")
    assert r.outlines[at + 1:at + 3] == [message, "=========================== short test summary info ============================"]
    assert list(tmp_path.rglob("ran")) == []


def test_a_bad_spec_in_a_class_marker_turns_nothing_on(inner):
    # The class's spec is good and goes on first; the test's is bad: the
    # good one must be off again when the test has failed at setup.
    r = inner('''
import pytest

@pytest.mark.failures("openat:ENOENT:path=*/gate")
class TestIt:
    @pytest.mark.failures("opennat:ENOENT")
    def test_bad(self):
        pass

def test_after(tmp_path):
    (tmp_path / "gate").write_text("x")
    assert (tmp_path / "gate").read_text() == "x"
''')
    r.assert_outcomes(passed=1, errors=1)


def test_the_marker_is_registered_for_strict_markers(inner):
    r = inner('''
import pytest

@pytest.mark.failures("openat:ENOENT:path=/nonexistent/x")
def test_it():
    pass
''', "--strict-markers", "-W", "error::pytest.PytestUnknownMarkWarning")
    r.assert_outcomes(passed=1)
    assert "PytestUnknownMarkWarning" not in r.stdout.str()


def test_rules_are_on_for_the_test_function_only(inner):
    r = inner('''
import errno
import pytest
from probes import opens

@pytest.fixture
def target(tmp_path):
    p = tmp_path / "target"
    p.write_text("x")
    assert opens(p) == 0          # setup: before the rules
    yield p
    assert opens(p) == 0          # teardown: after them

@pytest.mark.failures("openat:ENOENT:path=*/target", scope="process")
def test_passing(target, minderbinder):
    assert opens(target) == errno.ENOENT

@pytest.mark.failures("openat:ENOENT:path=*/target", scope="process")
def test_failing(target):
    assert opens(target) == errno.ENOENT
    assert False, "the code under test failed"

@pytest.mark.failures("openat:ENOENT:path=*/target")
def test_raising(target):
    raise KeyError("the code under test blew up")

def test_then_off(target, minderbinder):
    assert opens(target) == 0
    assert minderbinder.rules == []
''')
    r.assert_outcomes(passed=2, failed=2)
    out = r.stdout.str()
    assert "AssertionError: the code under test failed" in out
    assert "KeyError: 'the code under test blew up'" in out
    assert "ERROR" not in out  # no teardown found the rules still on
