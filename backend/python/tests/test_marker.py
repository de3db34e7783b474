# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""@pytest.mark.failures and the `minderbinder` fixture, for real: the
faults hit this test process's own open() and connect()."""
import errno
import socket

import pytest

from conftest import TARGET
from probes import errno_of, in_another_thread, read
from minderbinder.pytest_plugin import ActiveRule

SPEC = "openat:ENOENT:path=*/" + TARGET


@pytest.mark.failures(SPEC)
def test_the_marker_fails_the_test_s_own_open(conf, minderbinder):
    # conf was written by its fixture: the rules were not on yet.
    with pytest.raises(FileNotFoundError):
        read(conf)
    assert minderbinder.rules == [ActiveRule(0, SPEC, "thread", 1, 1)]
    assert repr(minderbinder) == "<minderbinder fixture: %s [thread] calls=1 faults=1>" % SPEC
    minderbinder.assert_fired(times=1)
    minderbinder.assert_fired(0)


@pytest.mark.failures(SPEC)
def test_assert_fired_says_the_counts(conf, minderbinder):
    read("/etc/hostname")  # not the path: the rule does not fire
    with pytest.raises(AssertionError) as e:
        minderbinder.assert_fired()
    assert str(e.value) == (
        "minderbinder: rule 0 did not fire at least once:\n"
        "  * rule 0 %-40s calls=0 faults=0" % SPEC)
    assert errno_of(read, conf) == errno.ENOENT
    with pytest.raises(AssertionError, match=r"rule 0 did not fire 2 times:\n  \* rule 0 .* calls=1 faults=1"):
        minderbinder.assert_fired(times=2)
    with pytest.raises(IndexError, match=r"rule_index 1, but 1 rule\(s\) are on \(0..0\)"):
        minderbinder.assert_fired(1)


@pytest.mark.failures("openat:EACCES:times=2:path=*/%s;tcp:1:refuse" % TARGET)
def test_one_spec_several_rules_each_counted(conf, minderbinder):
    seen = "".join("x" if errno_of(read, conf) == errno.EACCES else "." for _ in range(4))
    assert seen == "xx.."
    assert minderbinder.rules == [
        ActiveRule(0, "openat:EACCES:times=2:path=*/" + TARGET, "thread", 4, 2),
        ActiveRule(1, "tcp:1:refuse", "thread", 0, 0),
    ]
    minderbinder.assert_fired(0, times=2)
    with pytest.raises(AssertionError, match=r"rule 1 did not fire at least once:\n"
                       r"    rule 0 .* calls=4 faults=2\n  \* rule 1 tcp:1:refuse .* calls=0 faults=0"):
        minderbinder.assert_fired()


@pytest.mark.failures(SPEC)
def test_thread_scope_spares_another_thread(conf):
    assert errno_of(read, conf) == errno.ENOENT
    assert in_another_thread(read, conf) == 0


@pytest.mark.failures(SPEC, scope="process")
def test_process_scope_reaches_another_thread(conf, minderbinder):
    assert in_another_thread(read, conf) == errno.ENOENT
    assert errno_of(read, conf) == errno.ENOENT
    assert minderbinder.rules[0].scope == "process"
    minderbinder.assert_fired(times=2)


@pytest.mark.failures("openat:EIO:path=*/" + TARGET)
class TestMarkersNest:
    """The class's marker and the test's: both on, the test's decides first."""

    @pytest.mark.failures(SPEC)
    def test_the_closest_marker_decides(self, conf, minderbinder):
        assert errno_of(read, conf) == errno.ENOENT
        assert [(r.index, r.spec, r.faults) for r in minderbinder.rules] == [
            (0, "openat:EIO:path=*/" + TARGET, 0), (1, SPEC, 1)]

    def test_the_class_marker_alone(self, conf, minderbinder):
        assert errno_of(read, conf) == errno.EIO
        minderbinder.assert_fired(times=1)


def test_the_fixture_alone_has_no_rules(minderbinder, conf):
    assert minderbinder.rules == []
    assert repr(minderbinder) == "<minderbinder fixture: no rules>"
    assert read(conf) == "greeting=hi\n"
    with pytest.raises(AssertionError, match="no rules are on"):
        minderbinder.assert_fired()


def test_enable_for_a_spec_known_at_run_time(minderbinder):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        f = minderbinder.enable("tcp:%d:refuse" % port)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        assert f.stats() == [(1, 1)]
        minderbinder.assert_fired(times=1)
        f.disable()
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert minderbinder.rules == [ActiveRule(0, "tcp:%d:refuse" % port, "thread", 1, 1)]


def test_enable_with_a_bad_spec_raises_the_library_s_message(minderbinder):
    with pytest.raises(ValueError) as e:
        minderbinder.enable("openat:ENOENT:rat=50%")
    assert str(e.value) == "mb_enable: unknown option 'rat' at column 15 (did you mean 'rate'?)"
    assert minderbinder.rules == []
