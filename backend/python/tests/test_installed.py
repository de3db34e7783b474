# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The package under test is the installed one, its plugin came in by its
entry point, and the library is found in the order the README gives."""
import os
import shutil
import subprocess
import sys

import pytest

import minderbinder
import minderbinder.pytest_plugin


def test_the_package_is_the_installed_one_not_the_source(source_tree):
    here = os.path.realpath(minderbinder.__file__)
    package_source = os.path.join(os.path.realpath(source_tree), "backend", "python")
    assert not here.startswith(package_source + os.sep), here
    site = os.path.dirname(os.path.dirname(here))
    assert [d for d in os.listdir(site) if d.startswith("minderbinder-")] == ["minderbinder-0.1.dist-info"]
    with open(os.path.join(site, "minderbinder-0.1.dist-info", "entry_points.txt")) as f:
        assert f.read().split() == ["[pytest11]", "minderbinder", "=", "minderbinder.pytest_plugin"]


def test_the_plugin_is_registered_by_its_entry_point(pytestconfig):
    pm = pytestconfig.pluginmanager
    assert pm.get_plugin("minderbinder") is minderbinder.pytest_plugin
    dists = {dist.project_name: plugin for plugin, dist in pm.list_plugin_distinfo()}
    assert dists["minderbinder"] is minderbinder.pytest_plugin


def test_the_marker_is_registered(pytestconfig):
    assert any(line.startswith("failures(spec, scope='thread'):")
               for line in pytestconfig.getini("markers"))


def test_pytest_lists_the_plugin(inner):
    r = inner("def test_nothing():\n    pass\n", "--co")
    plugins = [l[len("plugins: "):].split(", ") for l in r.outlines if l.startswith("plugins: ")]
    assert len(plugins) == 1 and "minderbinder-0.1" in plugins[0], r.outlines


def test_pytest_lists_the_marker(inner):
    r = inner("", "--markers")
    assert [l for l in r.outlines if l.startswith("@pytest.mark.failures")] == [
        "@pytest.mark.failures(spec, scope='thread'): turn minderbinder's rules on for the test "
        "(the MINDERBINDER_SYSCALL / MINDERBINDER_NET grammar, e.g. "
        "'openat:ENOENT:path=/x;tcp:5432:refuse'); scope 'thread' (the test's "
        "thread) or 'process' (every thread of the test process)"]


# --- which libminderbinder: the order of the README --------------------------

def library_in(env, pythonpath=None, cwd="/"):
    """library_path() (or the error) of a new python3 with exactly env."""
    env = dict(env)
    env["PYTHONPATH"] = pythonpath or os.environ.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    r = subprocess.run([sys.executable, "-c", "import minderbinder as m; print(m.library_path())"],
                       env=env, cwd=cwd, capture_output=True, text=True)
    return (r.stdout or r.stderr.splitlines()[-1]).strip()


@pytest.fixture(scope="module")
def built():
    """The build's library (make check-python sets MINDERBINDER_LIB)."""
    return os.path.realpath(minderbinder.library_path())


def system_library():
    """What the dynamic loader finds with no help, if anything (an
    installed copy with ldconfig run): then it comes before the checkout."""
    r = subprocess.run([sys.executable, "-c",
                        "import ctypes; ctypes.CDLL('libminderbinder.so.0')"],
                       env={}, capture_output=True)
    return r.returncode == 0


def test_minderbinder_lib_wins_and_is_the_only_one_tried(built, tmp_path):
    assert library_in({"MINDERBINDER_LIB": built}) == built
    missing = str(tmp_path / "libnot.so")
    assert library_in({"MINDERBINDER_LIB": missing, "LD_LIBRARY_PATH": os.path.dirname(built)}) == (
        "FileNotFoundError: [Errno 2] cannot load libminderbinder "
        "(set MINDERBINDER_LIB=/path/to/libminderbinder.so); tried MINDERBINDER_LIB: "
        "%s: cannot open shared object file: No such file or directory" % missing)


def test_the_dynamic_loader_finds_the_soname(built):
    libdir = os.path.dirname(built)
    assert library_in({"LD_LIBRARY_PATH": libdir}) == os.path.join(libdir, "libminderbinder.so.0")


def test_the_libdir_make_install_recorded_comes_first(built, tmp_path):
    site = os.path.dirname(os.path.dirname(minderbinder.__file__))
    copy = tmp_path / "site"
    shutil.copytree(os.path.join(site, "minderbinder"), copy / "minderbinder")
    libdir = tmp_path / "lib"
    libdir.mkdir()
    (libdir / "libminderbinder.so.0").symlink_to(built)
    (copy / "minderbinder" / "_install.py").write_text("LIBDIR = %r\n" % str(libdir))
    other = os.path.dirname(built)  # the loader would find this one
    assert library_in({"LD_LIBRARY_PATH": other}, pythonpath=str(copy)) == str(libdir / "libminderbinder.so.0")


def test_without_any_the_error_says_what_was_tried():
    if system_library():
        pytest.skip("NOT RUN: this machine has libminderbinder.so.0 where the loader looks")
    out = library_in({})
    assert out.startswith("FileNotFoundError: [Errno 2] cannot load libminderbinder "
                          "(set MINDERBINDER_LIB=/path/to/libminderbinder.so); tried "), out
    for step in ("make install's LIBDIR: ", "the dynamic loader: libminderbinder.so.0: cannot open",
                 "ctypes.util.find_library('minderbinder'): not found"):
        assert step in out


def test_from_a_checkout_the_build_directory(source_tree):
    lib = os.path.join(source_tree, "build", "libminderbinder.so")
    if not os.path.exists(lib):
        pytest.skip("NOT RUN: no %s (the build is elsewhere: OUT=...)" % lib)
    if system_library():
        pytest.skip("NOT RUN: this machine has libminderbinder.so.0 where the loader looks")
    assert library_in({}, pythonpath=os.path.join(source_tree, "backend", "python")) == lib
