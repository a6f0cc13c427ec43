"""Bad start-up input is refused in one line on stderr with exit code 2, before anything is bound
or sent, and never echoes a credential (issue 17, findings 8 and 10)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pagerduty_mcp.server import app
from tests.harness import MODULES, server_env

pytestmark = [pytest.mark.e2e]

PASSWORD = "hunter2-do-not-print"

# (name, arguments, environment, what the one line must mention)
REFUSALS: list[tuple[str, tuple[str, ...], dict[str, str], str]] = [
    ("port above 65535", ("--transport", "streamable-http", "--port", "70000"), {}, "--port"),
    ("negative port", ("--transport", "streamable-http", "--port", "-1"), {}, "--port"),
    ("nan call timeout", ("--call-timeout", "nan"), {}, "--call-timeout"),
    ("infinite call timeout", ("--call-timeout", "inf"), {}, "--call-timeout"),
    ("negative call timeout", ("--call-timeout", "-3"), {}, "--call-timeout"),
    ("negative body size", ("--transport", "streamable-http", "--max-body-bytes", "-5"), {}, "--max-body-bytes"),
    ("nan timeout", (), {"PAGERDUTY_TIMEOUT_SECONDS": "nan"}, "PAGERDUTY_TIMEOUT_SECONDS"),
    ("infinite timeout", (), {"PAGERDUTY_TIMEOUT_SECONDS": "inf"}, "PAGERDUTY_TIMEOUT_SECONDS"),
    ("negative wait cap", (), {"PAGERDUTY_RATE_LIMIT_WAIT_SECONDS": "-1"}, "PAGERDUTY_RATE_LIMIT_WAIT_SECONDS"),
    ("nan wait cap", (), {"PAGERDUTY_RATE_LIMIT_WAIT_SECONDS": "NaN"}, "PAGERDUTY_RATE_LIMIT_WAIT_SECONDS"),
    (
        "password in the API host",
        (),
        {"PAGERDUTY_API_HOST": f"https://ops:{PASSWORD}@api.pagerduty.com"},
        "PAGERDUTY_API_HOST",
    ),
    (
        "password in the Events host",
        (),
        {"PAGERDUTY_EVENTS_API_HOST": f"https://ops:{PASSWORD}@events.pagerduty.com"},
        "PAGERDUTY_EVENTS_API_HOST",
    ),
    ("port out of range in the API host", (), {"PAGERDUTY_API_HOST": "https://api.pagerduty.com:70000"}, "valid URL"),
    ("newline in the API key", (), {"PAGERDUTY_USER_API_KEY": "u+abcd\nefgh1234"}, "line break"),
    ("non-ASCII API key", (), {"PAGERDUTY_USER_API_KEY": "u+abcdéfgh1234"}, "non-ASCII"),
    ("space inside the OAuth token", (), {"PAGERDUTY_OAUTH_TOKEN": "pdus+_0X abc123456"}, "whitespace"),
    (
        "a sealing key that is no Fernet key",
        ("--transport", "streamable-http", "--enable-write-tools"),
        {"PAGERDUTY_MCP_TOKEN_KEY": "not-a-fernet-key"},
        "PAGERDUTY_MCP_TOKEN_KEY",
    ),
    ("sandbox seed not a number", (), {"PAGERDUTY_SANDBOX_SEED": "abc"}, "PAGERDUTY_SANDBOX_SEED='abc' is not a whole"),
    ("sandbox size too large", (), {"PAGERDUTY_SANDBOX_SIZE": "100000"}, "PAGERDUTY_SANDBOX_SIZE='100000'"),
    ("sandbox size zero", (), {"PAGERDUTY_SANDBOX_SIZE": "0"}, "from 1 to 200"),
    ("Redis password without a URL", (), {"PAGERDUTY_MCP_REDIS_PASSWORD": PASSWORD}, "--redis-url is not"),
    (
        "Redis password twice",
        ("--redis-url", f"redis://:{PASSWORD}@cache:6379/0"),
        {"PAGERDUTY_MCP_REDIS_PASSWORD": "other"},
        "keep one",
    ),
]


def _start(args: tuple[str, ...], env: dict[str, str]) -> tuple[int, str, str]:
    """The combined server's command line, in-process (no interpreter start-up per case)."""
    variables = {name: None for name in os.environ if name.startswith(("PAGERDUTY_", "SSL_CERT", "HTTPS_PROXY"))}
    result = CliRunner().invoke(app, ["--sandbox", *args], env={**variables, **env})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("args", "env", "mention"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_bad_start_up_input_is_one_line_and_exit_code_two(
    args: tuple[str, ...], env: dict[str, str], mention: str
) -> None:
    code, stdout, stderr = _start(args, env)
    assert code == 2, f"exit {code}: {stderr[-600:]}"
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[-1500:]
    assert mention in lines[0], lines[0]
    assert "Traceback" not in stderr and PASSWORD not in stderr


@pytest.mark.subprocess
def test_a_port_out_of_range_stops_a_real_server_process_in_one_line() -> None:
    """The issue's case end to end: a 100-line traceback before."""
    done = subprocess.run(
        [sys.executable, "-m", MODULES["mcp"], "--sandbox", "--transport", "streamable-http", "--port", "70000"],
        env=server_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == ["pagerduty-mcp: --port must be between 1 and 65535 (got 70000)"]


@pytest.mark.subprocess
def test_a_proxy_with_a_password_is_accepted_and_logged_masked() -> None:
    """A proxy may need credentials (httpx2 sends them to the proxy only): the server starts, and
    the log shows the proxy without its password."""
    done = subprocess.run(
        [sys.executable, "-m", MODULES["mcp"], "--sandbox"],
        env=server_env(HTTPS_PROXY=f"http://ops:{PASSWORD}@127.0.0.1:3128"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "http://***@127.0.0.1:3128" in done.stderr, done.stderr[-800:]
    assert PASSWORD not in done.stderr
