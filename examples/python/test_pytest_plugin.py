# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The pytest plugin, which pytest loads by itself once the package is
installed: @pytest.mark.failures for a spec known when the test is
written, the `minderbinder` fixture for one known only when it runs."""
import socket

import pytest


def load_config(path):
    """The code under test: the file's settings, or the defaults."""
    try:
        with open(path) as f:
            return dict(line.strip().split("=", 1) for line in f)
    except FileNotFoundError:
        return {"greeting": "hello"}


def status_of(port):
    """The code under test: 200 when the downstream answers, else 502."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return 200
    except OSError:
        return 502


def test_reads_the_file(conf):
    assert load_config(conf) == {"greeting": "hi"}


@pytest.mark.failures("openat:ENOENT:path=*/app.conf")
def test_falls_back_when_the_file_is_missing(conf, minderbinder):
    assert load_config(conf) == {"greeting": "hello"}
    minderbinder.assert_fired(times=1)


def test_502_when_the_downstream_refuses(minderbinder):
    with socket.create_server(("127.0.0.1", 0)) as downstream:
        port = downstream.getsockname()[1]
        assert status_of(port) == 200
        minderbinder.enable("tcp:%d:refuse" % port)
        assert status_of(port) == 502
    minderbinder.assert_fired(times=1)
