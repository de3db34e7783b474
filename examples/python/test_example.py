# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""minderbinder from pytest: a program run with the environment
configuration, and failures() around Python code of the test itself.

    /usr/bin/python3 -m pytest -v examples/python
"""
import errno
import os
import socket
import subprocess
import threading

import pytest

from minderbinder import failures, library_path

BUILD = os.path.dirname(library_path())
AGENT = os.path.join(BUILD, "libmbpreload.so")


def read(path):
    with open(path) as f:
        return f.read()


# First in the file: a program this process starts after it has used
# failures() cannot be opted in with rules that need the supervisor (exit
# 125, "failed to install seccomp filter: Device or resource busy"); see
# tests/capi fork_exec_child_can_opt_in_through_the_environment.
def test_program_run_with_the_environment_fails(conf):
    ok = subprocess.run(["cat", conf], capture_output=True, text=True)
    assert (ok.returncode, ok.stdout) == (0, "greeting=hi\n")

    env = dict(os.environ, LD_PRELOAD=AGENT,
               MINDERBINDER_SYSCALL="openat:ENOENT:path=" + conf)
    r = subprocess.run(["cat", conf], env=env, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert r.stderr == "cat: %s: No such file or directory\n" % conf


def test_open_fails_inside_and_works_outside(conf):
    with failures("openat:EACCES:path=" + conf):
        with pytest.raises(PermissionError) as e:
            read(conf)
        assert e.value.errno == errno.EACCES
    assert read(conf) == "greeting=hi\n"


def test_stats_count_exactly(conf):
    seen = []
    with failures("openat:ENOENT:times=2:path=" + conf) as f:
        for _ in range(5):
            try:
                read(conf)
                seen.append(".")
            except FileNotFoundError:
                seen.append("x")
        assert f.stats() == [(5, 2)]
    assert "".join(seen) == "xx..."
    assert f.stats()[0].faults == 2  # kept after the block


def test_rules_are_off_after_an_exception(conf):
    with pytest.raises(KeyError):
        with failures("openat:EIO:path=" + conf):
            raise KeyError("the code under test blew up")
    assert read(conf) == "greeting=hi\n"


@pytest.mark.parametrize("spec, message", [
    ("opennat:ENOENT", "unknown syscall 'opennat' at column 1 (did you mean 'openat'?)"),
    ("openat:ENOENT:rat=50%", "unknown option 'rat' at column 15 (did you mean 'rate'?)"),
    ("tcp:80:refusee", "'refusee' at column 8 (did you mean 'refuse'?)"),
], ids=["syscall", "option", "action"])
def test_bad_spec_raises_with_the_parser_message(spec, message):
    with pytest.raises(ValueError) as e:
        with failures(spec):
            pytest.fail("the block must not run")
    assert message in str(e.value)


def test_bad_scope():
    with pytest.raises(ValueError, match="scope"):
        failures("openat:ENOENT", scope="galaxy")


def open_from_another_thread(path):
    result = []

    def run():
        try:
            read(path)
            result.append(0)
        except OSError as e:
            result.append(e.errno)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    return result[0]


def test_thread_scope_spares_other_threads(conf):
    with failures("openat:ENOENT:path=" + conf):
        with pytest.raises(FileNotFoundError):
            read(conf)
        assert open_from_another_thread(conf) == 0


def test_process_scope_reaches_other_threads(conf):
    with failures("openat:ENOENT:path=" + conf, scope="process"):
        assert open_from_another_thread(conf) == errno.ENOENT
    assert open_from_another_thread(conf) == 0


def test_connection_refused():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with failures("tcp:%d:refuse" % port) as f:
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=1)
        assert f.stats()[0].faults == 1
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
