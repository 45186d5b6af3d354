"""glasslib.book.runner: what the kernels of `glasslib book` inherit, and nothing left behind in the caller."""

from __future__ import annotations

import os

from glasslib.book.runner import environment


def test_the_kernels_environment_is_set_while_they_run_and_restored_after(monkeypatch):
    monkeypatch.setenv("GLASSLIB_TEST_KEPT", "before")
    monkeypatch.delenv("GLASSLIB_TEST_NEW", raising=False)
    try:
        with environment({"GLASSLIB_TEST_KEPT": "during", "GLASSLIB_TEST_NEW": "during"}):
            assert os.environ["GLASSLIB_TEST_KEPT"] == os.environ["GLASSLIB_TEST_NEW"] == "during"
            raise RuntimeError("a chapter failed")
    except RuntimeError:
        pass
    assert os.environ["GLASSLIB_TEST_KEPT"] == "before" and "GLASSLIB_TEST_NEW" not in os.environ
