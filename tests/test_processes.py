"""``tests/processes.py``: a test that starts a process without the ``subprocess`` marker is an error
naming the command, whether it starts it through ``subprocess`` or ``asyncio``; marked, it passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.subprocess]

CONFTEST = """
from tests.processes import pytest_collection_modifyitems, pytest_runtest_makereport, pytest_runtest_protocol
"""
INI = """
[pytest]
markers =
    subprocess: starts another process
"""
TESTS = """
import asyncio
import subprocess
import sys

import pytest


def test_unmarked_run() -> None:
    subprocess.run([sys.executable, "-c", "print('by subprocess')"], check=True, capture_output=True)


def test_unmarked_asyncio() -> None:
    async def start() -> None:
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", "print('by asyncio')")
        await process.wait()

    asyncio.run(start())


@pytest.mark.subprocess
def test_marked() -> None:
    subprocess.run([sys.executable, "-c", "print('marked')"], check=True, capture_output=True)


def test_in_process() -> None:
    assert sum(range(4)) == 6
"""


def test_an_unmarked_start_is_an_error_that_names_the_command(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "pytest.ini").write_text(INI)
    (tmp_path / "test_starts.py").write_text(TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:randomly", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    out = done.stdout
    assert done.returncode == 1, out
    assert "4 passed, 2 errors" in out, out
    assert "ERROR test_starts.py::test_unmarked_run" in out, out
    assert "ERROR test_starts.py::test_unmarked_asyncio" in out, out
    assert "print('by subprocess')" in out and "print('by asyncio')" in out, out
    assert "print('marked')" not in out, out
    assert "not marked @pytest.mark.subprocess" in out, out
