"""The distributions as a user gets them: built wheels, started with ``uvx`` outside the repository.

``uvx`` commands from the README run unchanged except for ``--find-links <wheelhouse>``, so the
packages of this repository come from the local build while third-party ones come from the index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import Client

from tests.harness import process_session

__all__ = [
    "AREA_DISTRIBUTIONS",
    "CORE",
    "ROOT",
    "UNREACHABLE_API_HOST",
    "build_wheelhouse",
    "listed_tools",
    "uv",
    "uvx_env",
    "uvx_session",
]

ROOT = Path(__file__).resolve().parents[2]
CORE = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
AREA_DISTRIBUTIONS = ("pagerduty-incidents", "pagerduty-services", "pagerduty-people", "pagerduty-aiops")
# A PagerDuty API host nothing listens on: a server that starts without --sandbox can never reach
# the real PagerDuty from a test, whatever it tries.
UNREACHABLE_API_HOST = "https://127.0.0.1:9"


def uv() -> str:
    """The uv that runs these tests (``uv run`` says which in ``UV``), else the one on ``PATH``."""
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "these tests need uv: pip install uv"
    return found


def build_wheelhouse(out_dir: Path) -> Path:
    """Every wheel and sdist of the workspace, built the way the release workflow builds them."""
    done = subprocess.run(
        [uv(), "build", "--all-packages", "--out-dir", str(out_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out_dir


def uvx_env(**extra: str) -> dict[str, str]:
    """A user's environment: no PagerDuty variables and no project venv from the test run.

    The TLS settings stay (unlike for a server started by ``tests.harness``): uv needs them to
    reach the package index through this machine's proxy.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGERDUTY_")}
    env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    env["UV_PYTHON_DOWNLOADS"] = "never"  # the index may be reached, a Python download may not
    # uvx prefers a tool installed with `uv tool install`: none may stand in for the built wheels.
    env["UV_TOOL_DIR"] = str(Path(tempfile.gettempdir()) / "pagerduty-mcp-tests-no-tools")
    env.update(extra)
    return env


def uvx_argv(argv: list[str], wheelhouse: Path) -> list[str]:
    """``uvx ARGS`` as ``uv tool run --find-links <wheelhouse> ARGS`` (``uvx`` is that alias)."""
    assert argv[0] == "uvx", argv
    return [uv(), "tool", "run", "--find-links", str(wheelhouse), *argv[1:]]


@asynccontextmanager
async def uvx_session(
    argv: list[str], wheelhouse: Path, cwd: Path, env: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """A user's ``uvx ...`` command line, started from ``cwd`` and connected over stdio."""
    async with process_session(
        uvx_argv(argv, wheelhouse), env or uvx_env(), cwd=cwd, read_timeout_seconds=180
    ) as client:
        yield client


async def listed_tools(client: Client) -> dict[str, bool]:
    """The tools a server lists, each with whether it changes PagerDuty (no ``readOnlyHint``)."""
    return {t.name: not (t.annotations and t.annotations.read_only_hint) for t in (await client.list_tools()).tools}
