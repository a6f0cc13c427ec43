"""The sandbox over HTTPS on loopback: the CLI, the throwaway CA, and drops as broken sockets."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Faults, Sandbox
from pagerduty_mcp.sandbox.server import check_loopback, serve_in_thread
from tests.sandbox.conftest import FIXED_NOW

pytestmark = [pytest.mark.sandbox]


@pytest.mark.unit
def test_rest_and_events_over_https() -> None:
    sandbox = Sandbox(now=FIXED_NOW)
    with serve_in_thread(sandbox) as info:
        assert info.url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(info.ca_path))
        client = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=info.url, verify=context)
        assert client.rget("/users/me")["id"] == sandbox.current_user_id
        service = next(s for s in client.list_all("/services") if s["name"] == "Checkout API")
        integration = client.rget(f"/services/{service['id']}", params={"include[]": ["integrations"]})["integrations"]
        key = next(i["integration_key"] for i in integration if "integration_key" in i)
        events = pagerduty.EventsApiV2Client(key, base_url=info.url, verify=context)
        dedup_key = events.trigger("Checkout over HTTPS is failing", "web-1")
        found = client.list_all("/incidents", params={"incident_key": dedup_key})
        assert [i["title"] for i in found] == ["Checkout over HTTPS is failing"]
        client.close()


@pytest.mark.unit
def test_https_is_required_and_the_certificate_checked() -> None:
    with (
        serve_in_thread(Sandbox(now=FIXED_NOW)) as info,
        httpx2.Client() as untrusting,
        pytest.raises(httpx2.ConnectError),
    ):
        untrusting.get(f"{info.url}/priorities")


@pytest.mark.unit
def test_drop_rate_closes_the_socket() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(drop_rate=1.0))
    with serve_in_thread(sandbox) as info:
        context = ssl.create_default_context(cafile=str(info.ca_path))
        with httpx2.Client(verify=context) as client, pytest.raises(httpx2.TransportError):
            client.get(f"{info.url}/priorities", headers={"Authorization": f"Token token={SANDBOX_TOKEN}"})


@pytest.mark.unit
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(host)


@pytest.mark.unit
@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    check_loopback(host)


def _run_module(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pagerduty_mcp.sandbox", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.e2e
@pytest.mark.subprocess
def test_cli_help_lists_every_option() -> None:
    result = _run_module("--help")
    assert result.returncode == 0
    for option in (
        "--port",
        "--host",
        "--seed",
        "--size",
        "--latency-ms",
        "--error-rate",
        "--rate-limit",
        "--drop-rate",
    ):
        assert option in result.stdout


@pytest.mark.e2e
@pytest.mark.subprocess
def test_cli_refuses_a_public_host() -> None:
    result = _run_module("--host", "0.0.0.0", "--port", "0")
    assert result.returncode != 0
    assert "loopback" in result.stderr


@pytest.mark.e2e
@pytest.mark.subprocess
def test_cli_serves_and_prints_url_ca_and_token() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pagerduty_mcp.sandbox", "--port", "0", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while len(lines) < 4 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        text = "\n".join(lines)
        url = next(word for word in text.split() if word.startswith("https://127.0.0.1:"))
        ca_path = Path(text.split("CA certificate: ")[1].splitlines()[0])
        assert ca_path.is_file()
        assert f"API token: {SANDBOX_TOKEN}" in text
        context = ssl.create_default_context(cafile=str(ca_path))
        client = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=url, verify=context)
        assert len(client.list_all("/users")) == 15
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
