"""``make debug``: the Inspector on the sandbox without a credential, on the real account with one;
``make help``: every target."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.skipif(shutil.which("make") is None, reason="needs make"), pytest.mark.subprocess]


def _debug(*variables: str, **env: str) -> list[str]:
    """``make debug`` with ``INSPECTOR=echo``: its lines, the last one the command the Inspector would run."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAGERDUTY_")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "debug", "INSPECTOR=echo", *variables],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


@pytest.fixture
def no_dotenv_in_the_project() -> None:
    if (ROOT / ".env").exists():
        pytest.skip("the project folder has a .env: make debug reads it, as it should")


def test_without_a_credential_it_opens_the_sandbox_and_says_so(no_dotenv_in_the_project: None) -> None:
    said, command = _debug("SERVER=people")
    assert "no PagerDuty credential" in said and "sandbox" in said
    assert command.split()[-2:] == ["pagerduty-people", "--sandbox"]


def test_args_pass_through_to_the_server(no_dotenv_in_the_project: None) -> None:
    _, command = _debug("SERVER=people", "ARGS=--enable-write-tools --toolsets people")
    assert command.split()[-5:] == ["pagerduty-people", "--sandbox", "--enable-write-tools", "--toolsets", "people"]


def test_with_a_credential_it_opens_the_real_account_and_says_so() -> None:
    said, command = _debug("SERVER=incidents", PAGERDUTY_USER_API_KEY="u+makedebugtest00")
    assert "credential found" in said and "real PagerDuty account" in said
    assert command.split()[-1] == "pagerduty-incidents"
    assert "u+makedebugtest00" not in said + command


def test_help_lists_every_target_with_what_it_does() -> None:
    """``make help`` (the default goal) names every target of the Makefile, each with its line."""
    rules = re.sub(r"^define .*?^endef$", "", (ROOT / "Makefile").read_text(), flags=re.MULTILINE | re.DOTALL)
    targets = re.findall(r"^([a-zA-Z_-]+):", rules, re.MULTILINE)  # not a line of a define's text
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    plain = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    listed = dict(line.strip().split(maxsplit=1) for line in plain.splitlines() if line.strip())
    assert set(targets) == set(listed), set(targets) ^ set(listed)
    assert all(listed.values())
    assert {"test", "test-all", "check"} <= set(listed)  # the fast part, the whole suite, the gate
