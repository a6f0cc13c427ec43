from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.packaging.wheelhouse import build_wheelhouse


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built distributions, once per session.

    ``PAGERDUTY_MCP_WHEELHOUSE`` names a folder built already (the release workflow tests the very
    files it then publishes); otherwise ``uv build --all-packages`` runs into a temporary folder.
    """
    given = os.environ.get("PAGERDUTY_MCP_WHEELHOUSE")
    if given:
        return Path(given).resolve()
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory outside the repository, with no ``.env`` of ours anywhere above it."""
    work = tmp_path / "user"
    work.mkdir()
    return work
