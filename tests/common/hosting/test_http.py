"""Remote use: client authentication, narrowing headers, listener options and start-up refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.datastructures import Headers
from typer.testing import CliRunner

from pagerduty_mcp.common.hosting.client_auth import (
    Authenticator,
    AuthMode,
    Caller,
    Rejection,
    load_server_tokens,
    narrowing_from_headers,
    pagerduty_credential,
)
from pagerduty_mcp.common.hosting.http import RemoteOptions, build_remote_app, is_loopback
from pagerduty_mcp.common.hosting.sealing import Sealer
from pagerduty_mcp.common.hosting.store import MemoryStore
from pagerduty_mcp.common.pagerduty.config import Credential
from pagerduty_mcp.common.toolkit.registry import ToolFilter
from pagerduty_mcp.common.toolkit.server import create_pagerduty_server
from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.server import AREAS, app
from tests.common.hosting.sign_in_steps import PUBLIC, build_resource

pytestmark = [pytest.mark.unit, pytest.mark.common]

SERVER_TOKEN = "a-server-token-of-some-length"


# --- authentication ------------------------------------------------------------------------------


def test_static_mode_accepts_only_the_servers_tokens() -> None:
    auth = Authenticator(AuthMode.static, [SERVER_TOKEN, "another-server-token-0123"])
    caller = auth.authenticate({"authorization": f"Bearer {SERVER_TOKEN}"})
    assert isinstance(caller, Caller)
    assert caller.credential is None  # the server's own PagerDuty credential
    assert caller.identity.startswith("client:") and SERVER_TOKEN not in caller.identity
    missing = auth.authenticate({})
    assert isinstance(missing, Rejection) and missing.challenge.startswith("Bearer ")
    wrong = auth.authenticate({"authorization": "Bearer a-server-token-of-some-lengtX"})
    assert isinstance(wrong, Rejection) and 'error="invalid_token"' in wrong.challenge
    assert isinstance(auth.authenticate({"authorization": f"Token token={SERVER_TOKEN}"}), Rejection)


def test_static_mode_without_tokens_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="PAGERDUTY_MCP_AUTH_TOKENS"):
        Authenticator(AuthMode.static, [])


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"authorization": "Token token=u+abcdefgh1234"}, Credential("u+abcdefgh1234", "token")),
        ({"authorization": "token TOKEN=u+abcdefgh1234"}, Credential("u+abcdefgh1234", "token")),
        ({"authorization": "Bearer pdus+_oauth-1234"}, Credential("pdus+_oauth-1234", "bearer")),
        ({"x-pagerduty-token": "u+dedicated-1234"}, Credential("u+dedicated-1234", "token")),
        ({"x-pagerduty-token": "Token token=u+dedicated-1234"}, Credential("u+dedicated-1234", "token")),
        ({"authorization": "Basic dXNlcjpwYXNz"}, None),
        ({"authorization": "Token token="}, None),
        ({}, None),
    ],
)
def test_pagerduty_credential_from_headers(headers: dict[str, str], expected: Credential | None) -> None:
    assert pagerduty_credential(headers) == expected


def test_pagerduty_mode_uses_the_callers_credential_and_redacts_it() -> None:
    auth = Authenticator(AuthMode.pagerduty)
    caller = auth.authenticate({"authorization": "Token token=u+caller-secret-9876"})
    assert isinstance(caller, Caller)
    assert caller.credential == Credential("u+caller-secret-9876", "token")
    assert caller.identity == "token:…9876"
    assert "u+caller-secret-9876" not in repr(caller)
    rejection = auth.authenticate({"authorization": f"Bearer {'x' * 600}"})
    assert isinstance(rejection, Rejection) and "malformed" in rejection.message
    challenge = auth.authenticate({})
    assert isinstance(challenge, Rejection) and challenge.challenge.startswith("Token realm=")


def test_server_tokens_come_from_env_and_file(tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens"
    tokens_file.write_text("# rotated 2026-11\nfile-token-0123456789abcdef\n\n")
    env = {
        "PAGERDUTY_MCP_AUTH_TOKENS": "env-token-0123456789abcdef, ",
        "PAGERDUTY_MCP_AUTH_TOKENS_FILE": str(tokens_file),
    }
    assert load_server_tokens(env) == ["env-token-0123456789abcdef", "file-token-0123456789abcdef"]
    with pytest.raises(ValueError, match="at least 16"):
        load_server_tokens({"PAGERDUTY_MCP_AUTH_TOKENS": "short"})
    with pytest.raises(ValueError, match="cannot read"):
        load_server_tokens({"PAGERDUTY_MCP_AUTH_TOKENS_FILE": str(tmp_path / "missing")})


# --- narrowing -----------------------------------------------------------------------------------


def test_narrowing_headers_only_hide() -> None:
    none = narrowing_from_headers({})
    assert none.allows("create_incident", "incidents", True)
    readonly = narrowing_from_headers({"x-mcp-readonly": "TRUE"})
    assert not readonly.allows("create_incident", "incidents", True)
    assert readonly.allows("list_incidents", "incidents", False)
    # "false" cannot turn anything on; it just does not narrow.
    assert narrowing_from_headers({"x-mcp-readonly": "false"}) == none
    sets = narrowing_from_headers({"x-mcp-toolsets": "people, aiops"})
    assert sets.allows("list_users", "people", False) and not sets.allows("list_incidents", "incidents", False)
    tools = narrowing_from_headers({"x-mcp-tools": "list_users"})
    assert tools.allows("list_users", "people", False) and not tools.allows("get_user", "people", False)


def test_narrowing_headers_fail_closed_over_every_line() -> None:
    raw = [
        (b"x-mcp-readonly", b"false"),
        (b"x-mcp-readonly", b"on"),
        (b"x-mcp-toolsets", b"people,incidents"),
        (b"x-mcp-toolsets", b"people, aiops"),
        (b"x-mcp-tools", b"list_users"),
    ]
    narrowing = narrowing_from_headers(Headers(raw=raw))
    assert narrowing.readonly
    assert narrowing.toolsets == frozenset({"people"})
    assert narrowing.tools == frozenset({"list_users"})
    assert narrowing_from_headers({"x-mcp-readonly": "false, true"}).readonly
    assert not narrowing_from_headers(Headers(raw=[(b"x-mcp-readonly", b"false, no")])).readonly


# --- listener options ----------------------------------------------------------------------------


def test_loopback_detection() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "mcp.example.com"))


def test_non_loopback_bind_needs_authentication_or_an_explicit_opt_out() -> None:
    with pytest.raises(ValueError, match=r"refusing to listen on 0\.0\.0\.0"):
        RemoteOptions(host="0.0.0.0").check()
    RemoteOptions(host="0.0.0.0", allow_unauthenticated=True).check()
    RemoteOptions(host="0.0.0.0", authenticator=Authenticator(AuthMode.pagerduty)).check()
    RemoteOptions(host="127.0.0.1").check()
    with pytest.raises(ValueError, match="--path"):
        RemoteOptions(path="/healthz").check()


def test_host_and_origin_checks_stay_on_for_every_bind() -> None:
    wildcard = RemoteOptions(host="0.0.0.0", allow_unauthenticated=True, allowed_hosts=("mcp.example.com",))
    settings = wildcard.security()
    assert settings.enable_dns_rebinding_protection
    assert "mcp.example.com" in settings.allowed_hosts and "127.0.0.1:*" in settings.allowed_hosts
    assert not any(h.startswith("0.0.0.0") for h in settings.allowed_hosts)
    specific = RemoteOptions(host="10.0.0.5", allow_unauthenticated=True, allowed_origins=("https://app.example",))
    assert "10.0.0.5:*" in specific.security().allowed_hosts
    assert "https://app.example" in specific.security().allowed_origins


def test_trusted_proxies_are_addresses_or_networks() -> None:
    RemoteOptions(trusted_proxies=("10.0.0.0/8", "192.0.2.7", "fd00::/8")).check()
    with pytest.raises(ValueError, match="--trusted-proxies"):
        RemoteOptions(trusted_proxies=("proxy.internal",)).check()


# --- the sign-in endpoints behind the gate --------------------------------------------------------


@asynccontextmanager
async def _oauth_gate(**options: Any) -> AsyncIterator[httpx2.AsyncClient]:
    resource = build_resource(Sandbox(), MemoryStore(), Sealer.from_env({}, ephemeral_ok=True))
    server = create_pagerduty_server("pagerduty-test", [AREAS[0]], ToolFilter())
    gate = build_remote_app(server, RemoteOptions(oauth=resource, metrics=False, **options))
    transport = httpx2.ASGITransport(app=gate)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC) as http:
        yield http


OAUTH_PATHS = [
    ("POST", "/register"),
    ("GET", "/authorize"),
    ("POST", "/token"),
    ("POST", "/revoke"),
    ("GET", "/oauth/callback"),
    ("GET", "/oauth/consent"),
    ("POST", "/oauth/consent"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/.well-known/oauth-protected-resource/mcp"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path"), OAUTH_PATHS)
async def test_every_sign_in_path_checks_host_and_origin(method: str, path: str) -> None:
    async with _oauth_gate() as http:
        rebound = await http.request(method, path, headers={"Host": "evil.example.com"})
        assert rebound.status_code == 421, rebound.text
        cross = await http.request(method, path, headers={"Origin": "https://evil.example.com"})
        assert cross.status_code == 403, cross.text
        assert (await http.request(method, path)).status_code not in (403, 421)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/register", "/token", "/revoke", "/oauth/consent"])
async def test_every_sign_in_path_caps_the_body(path: str) -> None:
    async with _oauth_gate(max_body_bytes=4096) as http:
        answer = await http.post(path, content=b"x" * 5000, headers={"content-type": "application/json"})
        assert answer.status_code == 413, answer.text


# --- the command line ----------------------------------------------------------------------------


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"PAGERDUTY_MCP_AUTH_TOKENS": "", **(env or {})})
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_cli_refuses_a_public_bind_without_authentication() -> None:
    code, output = _run("--sandbox", "--transport", "streamable-http", "--host", "0.0.0.0")
    assert code == 2
    assert "refusing to listen on 0.0.0.0 without client authentication" in output


def test_cli_rejects_inconsistent_auth_settings() -> None:
    code, output = _run("--sandbox", "--transport", "streamable-http", "--auth", "static")
    assert code == 2 and "needs server tokens" in output
    code, output = _run("--sandbox", "--auth", "pagerduty")
    assert code == 2 and "streamable-http only" in output
    env = {"PAGERDUTY_MCP_AUTH_TOKENS": SERVER_TOKEN}
    code, output = _run("--sandbox", "--transport", "streamable-http", "--auth", "pagerduty", env=env)
    assert code == 2 and "server tokens are set" in output


def test_cli_has_no_option_that_takes_a_token() -> None:
    code, output = _run("--help")
    assert code == 0
    assert "--auth-tokens-file" in output
    assert "--auth-tokens " not in output and "--auth-token " not in output
    code, _ = _run("--sandbox", "--auth-tokens", SERVER_TOKEN)
    assert code != 0
