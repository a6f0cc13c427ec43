from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from tests.packaging.wheelhouse import build_wheelhouse


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built distributions, once per run.

    ``PAGERDUTY_MCP_WHEELHOUSE`` names a folder built already (the release workflow tests the very
    files it then publishes); otherwise ``uv build --all-packages`` runs into a temporary folder,
    once for all of pytest-xdist's workers: the first to need it builds, the others wait for it.
    """
    given = os.environ.get("PAGERDUTY_MCP_WHEELHOUSE")
    if given:
        return Path(given).resolve()
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run = run.parent  # the run's folder, which holds each worker's own
    built, complete = run / "wheelhouse", run / "wheelhouse.complete"
    with (run / "wheelhouse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not complete.exists():
            build_wheelhouse(built)
            complete.touch()
    return built


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory outside the repository, with no ``.env`` of ours anywhere above it."""
    work = tmp_path / "user"
    work.mkdir()
    return work
