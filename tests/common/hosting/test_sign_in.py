"""Putting --auth oauth together: the public URL, Redis URL, scopes per tool, and start-up refusals."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from pagerduty_mcp.common.hosting.sign_in import check_public_url, tool_scope_map, write_tool_names
from pagerduty_mcp.common.hosting.store import check_redis_url
from pagerduty_mcp.common.toolkit.registry import ToolFilter
from pagerduty_mcp.common.toolkit.server import create_pagerduty_server
from pagerduty_mcp.server import AREAS, app

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_public_url_defaults_on_loopback_and_must_be_https_elsewhere() -> None:
    assert check_public_url(None, "127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert check_public_url("https://mcp.example.com/", "0.0.0.0", 8000) == "https://mcp.example.com"
    with pytest.raises(ValueError, match="needs --public-url"):
        check_public_url(None, "0.0.0.0", 8000)
    with pytest.raises(ValueError, match="https"):
        check_public_url("http://mcp.example.com", "0.0.0.0", 8000)
    with pytest.raises(ValueError, match="without query"):
        check_public_url("https://mcp.example.com/?a=1", "0.0.0.0", 8000)


def test_redis_url_is_checked_without_echoing_its_password() -> None:
    assert check_redis_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
    assert check_redis_url(None) is None
    with pytest.raises(ValueError) as refused:
        check_redis_url("http://user:hunter2@cache.internal:6379")
    assert "hunter2" not in str(refused.value)


def test_scopes_are_those_of_the_registered_tools_only() -> None:
    read_only = create_pagerduty_server("t", AREAS, ToolFilter())
    scopes = tool_scope_map(read_only, AREAS)
    assert "list_incidents" in scopes and "manage_incidents" not in scopes
    assert "incidents.read" in scopes["list_incidents"]
    writes = tool_scope_map(create_pagerduty_server("t", AREAS, ToolFilter(enable_write_tools=True)), AREAS)
    assert "incidents.write" in writes["manage_incidents"]


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    base = {"PAGERDUTY_MCP_AUTH_TOKENS": "", "PAGERDUTY_OAUTH_CLIENT_ID": "", "PAGERDUTY_MCP_TOKEN_KEY": ""}
    result = CliRunner().invoke(app, list(args), env={**base, **(env or {})})
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_cli_refuses_oauth_without_what_it_needs() -> None:
    code, output = _run("--auth", "oauth", "--sandbox")
    assert code == 2 and "streamable-http only" in output
    http = ("--transport", "streamable-http", "--auth", "oauth")
    code, output = _run(*http, env={"PAGERDUTY_USER_API_KEY": "u+abcdefgh1234"})
    assert code == 2 and "PAGERDUTY_OAUTH_CLIENT_ID" in output
    app_env = {"PAGERDUTY_OAUTH_CLIENT_ID": "app", "PAGERDUTY_OAUTH_CLIENT_SECRET": "app-secret-123"}
    code, output = _run(*http, env=app_env)
    assert code == 2 and "PAGERDUTY_MCP_TOKEN_KEY" in output and "Fernet" in output
    code, output = _run(*http, env={**app_env, "PAGERDUTY_MCP_TOKEN_KEY": "not-a-key"})
    assert code == 2 and "not a valid Fernet key" in output
    keyed = {**app_env, "PAGERDUTY_MCP_TOKEN_KEY": Fernet.generate_key().decode()}
    code, output = _run(*http, "--host", "0.0.0.0", env=keyed)
    assert code == 2 and "--public-url" in output
    code, output = _run(*http, "--redis-url", "memcached://x", env=keyed)
    assert code == 2 and "--redis-url" in output
    code, output = _run("--sandbox", "--budget-per-minute", "-1")
    assert code == 2 and "--budget-per-minute" in output


def test_cli_refuses_malformed_sign_in_limits() -> None:
    http = ("--transport", "streamable-http", "--auth", "oauth", "--sandbox")
    code, output = _run(*http, "--allowed-redirect-hosts", "https://claude.ai/cb")
    assert code == 2 and "--allowed-redirect-hosts" in output and "host name" in output
    code, output = _run(*http, "--max-registrations-per-hour", "0")
    assert code == 2 and "--max-registrations-per-hour must be at least 1" in output
    code, output = _run(*http, "--trusted-proxies", "proxy.internal")
    assert code == 2 and "--trusted-proxies" in output
    code, output = _run("--help")
    for option in ("--allowed-redirect-hosts", "--no-loopback-redirects", "--max-registrations-per-hour"):
        assert option in output


def test_write_tools_are_known_to_the_consent_page() -> None:
    read_only = create_pagerduty_server("t", AREAS, ToolFilter())
    assert write_tool_names(read_only, AREAS) == frozenset()
    writes = write_tool_names(create_pagerduty_server("t", AREAS, ToolFilter(enable_write_tools=True)), AREAS)
    assert "manage_incidents" in writes and "list_incidents" not in writes
