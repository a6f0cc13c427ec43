"""The workflow files run what .ci/run runs: a release only publishes what the same steps built and tested."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.unit]

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def _steps(name: str) -> dict[str, list[dict[str, Any]]]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    return {job: spec["steps"] for job, spec in workflow["jobs"].items()}


def _runs(steps: list[dict[str, Any]]) -> str:
    return "\n".join(step.get("run", "") for step in steps)


def test_ci_runs_the_projects_ci_script() -> None:
    (steps,) = _steps("ci.yml").values()
    assert "bash .ci/run" in _runs(steps)


def test_the_release_builds_tests_and_publishes_the_same_files_with_trusted_publishing() -> None:
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert "build --all-packages --out-dir" in ci_script and "PAGERDUTY_MCP_WHEELHOUSE" in ci_script
    workflow = yaml.safe_load((WORKFLOWS / "release.yml").read_text())
    # PyYAML reads the key `on` as True.
    assert workflow[True]["push"]["tags"] == ["v*"]
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = _runs(build["steps"])
    assert "uv build --all-packages --out-dir dist" in runs
    assert "pytest tests/packaging" in runs
    assert any(s.get("env", {}).get("PAGERDUTY_MCP_WHEELHOUSE") == "dist" for s in build["steps"])
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert any(s.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for s in publish["steps"])
    assert not any("password" in s.get("with", {}) for s in publish["steps"]), "trusted publishing: no token"
