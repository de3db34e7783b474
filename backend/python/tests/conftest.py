# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The package's tests. They test the *installed* package: `make
check-python` installs it under $(OUT)/python/root and runs them from
outside the source tree with PYTHONPATH pointing there (MINDERBINDER_LIB
at the build's library); test_installed.py checks that this is so.

`inner` runs a real pytest in a child process, for what only a whole run
shows (a test failing at setup, warnings, xdist workers); probes.py is
what both the tests and those child runs call the code under test with."""
import json
import os
import subprocess
import sys
import time

import pytest

# The file the markers of these tests aim at: the glob matches this name
# in any directory, and each test writes its own under tmp_path.
TARGET = "mb-target.conf"


@pytest.fixture
def conf(tmp_path):
    """A file to fail opening, written before the test's rules are on."""
    p = tmp_path / TARGET
    p.write_text("greeting=hi\n")
    return str(p)


# A process that has used syscall rules carries a seccomp filter with a
# listener, and so do the children it starts; a child cannot then turn
# syscall rules on itself (EBUSY: one listener per filter chain; issue 14,
# "Children after in-process rules"). The child pytest runs of these tests
# are therefore started by a launcher this process starts first, before any
# test has turned rules on -- as xdist's controller starts its workers.
_LAUNCHER = r"""
import json, subprocess, sys
for line in sys.stdin:
    req = json.loads(line)
    r = subprocess.run(req["argv"], cwd=req["cwd"], env=req["env"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    print(json.dumps([r.returncode, r.stdout, r.stderr]), flush=True)
"""
_launcher = None


def pytest_configure(config):
    global _launcher
    _launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER], text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def pytest_unconfigure(config):
    if _launcher is not None:
        _launcher.stdin.close()
        _launcher.wait()


def launch(argv, cwd, env):
    """subprocess.run(argv) by the launcher: (returncode, stdout, stderr)."""
    _launcher.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd), "env": env}) + "\n")
    _launcher.stdin.flush()
    return json.loads(_launcher.stdout.readline())


# What a child pytest must not inherit from this one (an xdist worker's).
_NOT_INHERITED = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID",
                  "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS", "PYTEST_PLUGINS",
                  "PYTEST_DISABLE_PLUGIN_AUTOLOAD")


@pytest.fixture
def inner(tmp_path):
    """run(source, *args, conftest=None): a child pytest on that test file
    (which loads the installed plugin by its entry point, as this one
    did); a pytest.RunResult."""
    def run(source, *args, conftest=None):
        d = tmp_path / "inner"
        d.mkdir()
        (d / "test_inner.py").write_text(source)
        if conftest:
            (d / "conftest.py").write_text(conftest)
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env["PY_COLORS"] = "0"
        # The child's tests import probes too.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (os.environ.get("PYTHONPATH"), os.path.dirname(__file__)) if p)
        argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                "--basetemp", str(tmp_path / "basetemp"), *args]
        start = time.monotonic()
        ret, out, err = launch(argv, d, env)
        return pytest.RunResult(ret, out.splitlines(), err.splitlines(), time.monotonic() - start)
    return run


@pytest.fixture(scope="session")
def source_tree():
    """The checkout these tests come from (make check-python sets it)."""
    return os.environ.get("MB_SOURCE_TREE") or os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "..", ".."))
