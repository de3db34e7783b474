# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""pytest-xdist: each worker is a process with rules of its own. With
--dist each, both workers run the same test at the same time; they meet
(files in a shared directory) so that each checks, while the other's
rules are on, that only its own rules reach it."""
import pytest

WORKERS = '''
import errno
import os
import time

import pytest
from probes import in_another_thread, opens, read

DIR = os.environ["MB_MEET"]
ME = os.environ["PYTEST_XDIST_WORKER"]
OTHER = {"gw0": "gw1", "gw1": "gw0"}[ME]


def wait_for(name):
    # Not a timeout: the other worker always writes it (conftest.py
    # writes it for a test that fails before it could).
    while not os.path.exists(os.path.join(DIR, name)):
        time.sleep(0.01)


@pytest.mark.failures("openat:ENOENT:path=*/%s.target" % ME, scope="process")
def test_only_my_rules_reach_me(minderbinder):
    mine, theirs = (os.path.join(DIR, w + ".target") for w in (ME, OTHER))
    try:
        open(os.path.join(DIR, "on-" + ME), "w").close()
        wait_for("on-" + OTHER)              # both workers' rules are on now
        assert opens(mine) == errno.ENOENT
        assert in_another_thread(read, mine) == errno.ENOENT
        assert opens(theirs) == 0            # the other worker's rule: not mine
        minderbinder.assert_fired(times=2)
    finally:
        open(os.path.join(DIR, "done-" + ME), "w").close()
        wait_for("done-" + OTHER)            # keep mine on until it has checked
'''

CONFTEST = '''
import os
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.when == "setup" and report.failed:   # the other must not wait
        me = os.environ["PYTEST_XDIST_WORKER"]
        for what in ("on-", "done-"):
            open(os.path.join(os.environ["MB_MEET"], what + me), "w").close()
'''


@pytest.fixture
def xdist():
    pytest.importorskip("xdist", reason="NOT RUN: pytest-xdist is not installed (python3-pytest-xdist)")


def test_two_workers_each_with_its_own_rules(xdist, inner, monkeypatch, tmp_path):
    meet = tmp_path / "meet"
    meet.mkdir()
    for w in ("gw0", "gw1"):
        (meet / (w + ".target")).write_text(w)
    monkeypatch.setenv("MB_MEET", str(meet))
    r = inner(WORKERS, "-n", "2", "--dist", "each", "-v", conftest=CONFTEST)
    assert r.parseoutcomes() == {"passed": 2}, r.outlines
    assert sorted(l.split()[0] for l in r.outlines if " PASSED " in l) == ["[gw0]", "[gw1]"], r.outlines


def test_many_marked_tests_over_two_workers(xdist, inner):
    r = inner('''
import errno
import pytest

@pytest.mark.parametrize("n", range(8))
@pytest.mark.failures("openat:EACCES:path=*/target", scope="process")
def test_marked(n, tmp_path, minderbinder):
    p = tmp_path / "target"
    with pytest.raises(PermissionError):
        p.write_text("x")
    minderbinder.assert_fired(times=1)

@pytest.mark.parametrize("n", range(8))
def test_unmarked(n, tmp_path):
    (tmp_path / "target").write_text("x")
''', "-n", "2")
    r.assert_outcomes(passed=16)
