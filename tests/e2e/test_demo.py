"""The README's first command: a scripted session against the sandbox must keep working."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.harness import server_env

pytestmark = [pytest.mark.e2e, pytest.mark.subprocess]


def test_the_demo_runs_a_real_session_and_shows_answers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pagerduty_mcp.demo"],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "Connected to pagerduty-mcp --sandbox over stdio" in out
    assert "You are " in out
    assert "on call now" in out and "(next: " in out
    assert "incident(s)" in out and "escalation policy: " in out
    assert "On-call pay: " in out and " EUR" in out
    # An incident attached as a host attaches it, and a schedule completed from what a person typed.
    assert "> read pagerduty://incidents/60  [" in out and "application/json]\n  Incident #60: triggered" in out
    assert "alerts: 1, notes: 1, log entries: " in out
    assert "> complete pagerduty://schedules/{schedule}: schedule='pers'\n  Personalization Shifts (1 match(es))" in out
    assert "> read pagerduty://schedules/Personalization%20Shifts" in out and "  on call now: " in out
    # The last call shows what a bad argument gets: a clear error, and the session goes on.
    assert "error INVALID_PARAMETER: incident_id:" in out
    # The second part writes to its own offline account: a status-page post, a webhook, shifts.
    assert "With --enable-write-tools (still the offline sandbox):" in out
    # Paging asks first; the demo's person declines, and the read after it shows nothing changed.
    assert "  | Open an incident. This pages people now.\n" in out
    assert "  The person answers: decline\n" in out
    assert "error DECLINED: The person declined this change: nothing was sent to PagerDuty" in out
    assert "open incident(s), unchanged: nobody was paged" in out
    # A public post asks too; accepted, it goes out.
    assert "  | Publish a post on the public status page.\n" in out
    assert "Posted 'Slow checkout' on the status page" in out
    assert "investigating: Some payments take longer than usual" in out
    assert "headers: Authorization" in out
    assert out.count("demo-not-shown") == 1  # in the call the demo shows, never in an answer
    assert "PagerDuty accepted a test event (pagey.ping)" in out
    assert "kind: shifts, 2 rotations" in out
    assert out.rstrip().endswith("for the MCP Inspector.")
