# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""What both example files use: a small config file for the code under test."""
import pytest


@pytest.fixture
def conf(tmp_path):
    p = tmp_path / "app.conf"
    p.write_text("greeting=hi\n")
    return str(p)
