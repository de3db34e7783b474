# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Children after in-process rules (issue 14): once this process has used
a syscall rule, its seccomp filter chain's one listener is its
supervisor's; a child that opts in with a supervised rule of its own is
served through it, and exits with cat's ENOENT, not 125."""
import errno
import os
import subprocess
import sys

import minderbinder
from conftest import TARGET

BUILD = os.path.dirname(os.path.realpath(minderbinder.library_path()))
AGENT = os.path.join(BUILD, "libmbpreload.so")
CLI = os.path.join(BUILD, "minderbinder")


def after_a_rule(conf):
    """Enable and disable a syscall rule: our filter (and listener) stay."""
    with minderbinder.failures("openat:EACCES:path=" + conf, scope="process"):
        try:
            open(conf).close()
        except OSError as e:
            assert e.errno == errno.EACCES
        else:
            raise AssertionError("the rule did not fire in the parent")


def child(argv, rule=None):
    env = dict(os.environ)
    if rule:
        env.update(LD_PRELOAD=AGENT, MINDERBINDER_SYSCALL=rule)
    return subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def test_cat_under_the_agent_fails_with_enoent(conf):
    after_a_rule(conf)
    r = child(["cat", conf], "openat:ENOENT:path=" + conf)
    assert (r.returncode, r.stderr) == (1, "cat: %s: No such file or directory\n" % conf)
    with open(conf) as f:  # the parent's own later calls are untouched
        assert f.read() == "greeting=hi\n"


def test_cat_under_minderbinder_run_fails_with_enoent(conf):
    after_a_rule(conf)
    r = child([CLI, "run", "-s", "openat:ENOENT:path=" + conf, "--", "cat", conf])
    assert (r.returncode, r.stderr) == (1, "cat: %s: No such file or directory\n" % conf)
    with open(conf) as f:
        assert f.read() == "greeting=hi\n"


def test_exact_counts_in_the_child_while_the_parent_makes_the_same_calls(conf):
    with minderbinder.failures("openat:EACCES:after=1000000:path=" + conf, scope="process") as f:
        p = subprocess.Popen(["sh", "-c", "read x; cat %s; cat %s; cat %s" % (conf, conf, conf)],
                             env=dict(os.environ, LD_PRELOAD=AGENT,
                                      MINDERBINDER_SYSCALL="openat:ENOENT:times=1:path=" + conf),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        p.stdin.write("go\n")
        p.stdin.close()
        for _ in range(50):
            open(conf).close()
        out, err = p.stdout.read(), p.stderr.read()
        assert p.wait() == 0
        assert err == "cat: %s: No such file or directory\n" % conf
        assert out == "greeting=hi\n" * 2
        assert [(s.calls, s.faults) for s in f.stats()] == [(50, 0)]


def test_a_syscall_the_parent_does_not_route_is_refused(conf):
    after_a_rule(conf)
    r = child(["cat", conf], "getppid:EIO:times=1")
    assert r.returncode == 125, r.stderr
    assert ("needs the supervisor of the filter inherited from pid %d, which routes only openat"
            % os.getpid()) in r.stderr, r.stderr
    assert "MINDERBINDER_API_SYSCALLS=getppid" in r.stderr, r.stderr
