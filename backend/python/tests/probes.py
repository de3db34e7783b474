# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The calls the tests make under their rules, and what became of them:
imported by these tests and by the child pytest runs (conftest.inner puts
this directory on their PYTHONPATH)."""
import threading


def read(path):
    with open(path) as f:
        return f.read()


def errno_of(fn, *args):
    """0 if fn(*args) works, else the errno of its OSError."""
    try:
        fn(*args)
        return 0
    except OSError as e:
        return e.errno


def opens(path):
    """0 if path opens, else the errno."""
    return errno_of(lambda: open(path).close())


def in_another_thread(fn, *args):
    """errno_of(fn, *args), run in a new thread of this process."""
    out = []
    t = threading.Thread(target=lambda: out.append(errno_of(fn, *args)))
    t.start()
    t.join()
    return out[0]
