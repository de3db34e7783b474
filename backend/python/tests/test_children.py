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
from conftest import launch

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


def test_an_unconditional_rule_is_answered_in_the_child_s_own_filter(conf):
    # No supervisor needed: the child installs a layer without a listener
    # (the registrar still writes its entry, so no set-uid helper is run
    # under our no_new_privs).
    after_a_rule(conf)
    r = child(["cat", conf], "openat:EACCES")
    assert (r.returncode, r.stderr) == (1, "cat: %s: Permission denied\n" % conf)
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


def _suid_capable_dir():
    """A new directory, mode 755, on a file system that honours set-uid
    bits (/var/tmp's, else /tmp's), or None."""
    import tempfile
    for base in ("/var/tmp", "/tmp"):
        r = subprocess.run(["findmnt", "-n", "-T", base, "-o", "OPTIONS"],
                           capture_output=True, text=True)
        if r.returncode == 0 and "nosuid" not in r.stdout.strip().split(","):
            d = tempfile.mkdtemp(prefix="mbsuid-py.", dir=base)
            os.chmod(d, 0o755)
            return d
    return None


def test_the_same_as_uid_65534_with_the_set_uid_helper(tmp_path):
    """The tests above, again as uid 65534 against a set-uid copy of the
    helper: the child's registration needs no privilege of its own (the
    session's registrar writes its entry)."""
    import shutil
    if os.getuid() != 0 or "MB_AS_NOBODY" in os.environ:
        import pytest
        pytest.skip("NOT RUN: needs root (it runs the others as uid 65534)")
    if not shutil.which("setpriv"):
        import pytest
        pytest.skip("NOT RUN: no setpriv (util-linux)")
    d = _suid_capable_dir()
    if d is None:
        import pytest
        pytest.skip("NOT RUN: no file system without nosuid among /var/tmp /tmp")
    try:
        helper = os.path.join(d, "mb-helper")
        shutil.copy(os.path.join(BUILD, "mb-helper"), helper)
        os.chown(helper, 0, 0)
        os.chmod(helper, 0o4755)
        home = os.path.join(d, "home")
        os.mkdir(home)
        os.chown(home, 65534, 65534)
        env = dict(os.environ, MB_AS_NOBODY="1", MINDERBINDER_HELPER=helper, HOME=home)
        # By the launcher, which no filter of ours is on: a session of
        # its own (this process's filter would void the set-uid bit).
        ret, out, err = launch(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
             "--basetemp", os.path.join(home, "t"), "--rootdir", os.path.dirname(__file__),
             __file__], home, env)
        assert ret == 0 and "5 passed, 1 skipped" in out, out + err
    finally:
        shutil.rmtree(d, ignore_errors=True)
