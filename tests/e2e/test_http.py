"""Remote use over streamable HTTP: a real server process on a loopback port, the HTTPS sandbox
behind it, and the ``mcp`` SDK's client (or raw HTTP) in front."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
import pytest
from mcp.shared.exceptions import MCPError

from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from tests.harness import HttpServer, ServerSpec, http_servers, http_session, upstream_env

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.subprocess]

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
EXCLUDED = "get_service"


IPV6 = ("[::1]", "::1")


@dataclass
class Servers:
    per_caller: HttpServer
    static_oauth: HttpServer
    unauthenticated: HttpServer
    ipv6: dict[str, HttpServer]


@pytest.fixture(scope="module")
def servers(https_sandbox: Any) -> Iterator[Servers]:
    """Every server of the module, started side by side; the tests only read from them."""
    # Multi-tenant: each request brings its own PagerDuty token; writes on; one tool excluded.
    args = ["--auth", "pagerduty", "--enable-write-tools", "--exclude-tools", EXCLUDED, "--max-body-bytes", "4096"]
    per_caller = ServerSpec(args, upstream_env(https_sandbox))
    # Server tokens for clients; the server's own credential is an OAuth app token with one scope.
    env = upstream_env(
        https_sandbox,
        PAGERDUTY_MCP_AUTH_TOKENS="first-server-token-0123456789,second-server-token-0123456789",
        PAGERDUTY_OAUTH_CLIENT_ID=SANDBOX_OAUTH_CLIENT_ID,
        PAGERDUTY_OAUTH_CLIENT_SECRET=SANDBOX_OAUTH_CLIENT_SECRET,
        PAGERDUTY_OAUTH_SCOPES="incidents.read users.read",
        PAGERDUTY_OAUTH_TOKEN_URL=f"{https_sandbox.url}/oauth/token",
    )
    static_oauth = ServerSpec(["--toolsets", "incidents,services,people"], env)
    # A public bind without client authentication, and the IPv6 loopback spelled both ways.
    open_args = ["--sandbox", "--allow-unauthenticated", "--allowed-hosts", "mcp.example.com"]
    unauthenticated = ServerSpec(open_args, host="0.0.0.0")
    ipv6 = [ServerSpec(["--sandbox"], host=host) for host in IPV6]
    with http_servers(per_caller, static_oauth, unauthenticated, *ipv6) as started:
        yield Servers(*started[:3], dict(zip(IPV6, started[3:], strict=True)))


@pytest.fixture(scope="module")
def per_caller(servers: Servers) -> HttpServer:
    return servers.per_caller


@pytest.fixture(scope="module")
def static_oauth(servers: Servers) -> HttpServer:
    return servers.static_oauth


def _users(box: Sandbox) -> tuple[str, str]:
    others = sorted(uid for uid in box.state.tables["users"] if uid != box.current_user_id)
    return others[0], others[1]


def _token_header(box: Sandbox, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Token token={box.token_for(user_id)}"}


async def _call(client: Any, tool: str, arguments: dict[str, Any] | None = None) -> tuple[bool, Any]:
    result = await client.call_tool(tool, arguments or {})
    text = result.content[0].text
    try:
        return bool(result.is_error), json.loads(text)
    except ValueError:
        return bool(result.is_error), text


async def _tool_names(url: str, headers: dict[str, str], mode: str = "auto") -> dict[str, bool]:
    """name -> read-only hint, as the caller with ``headers`` sees it."""
    async with http_session(url, headers, mode=mode) as client:
        tools = (await client.list_tools()).tools
    return {t.name: bool(t.annotations and t.annotations.read_only_hint) for t in tools}


# --- raw HTTP: the gate -------------------------------------------------------------------------


def test_health_endpoint_answers_without_credentials(per_caller: HttpServer) -> None:
    response = httpx2.get(f"{per_caller.base}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_request_without_credentials_gets_401_with_a_challenge(per_caller: HttpServer) -> None:
    response = httpx2.post(per_caller.url, json=LIST_TOOLS, headers=MCP_HEADERS)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Token ")
    assert "PagerDuty credential" in response.json()["message"]


def test_wrong_server_token_gets_401_invalid_token(static_oauth: HttpServer) -> None:
    headers = {**MCP_HEADERS, "Authorization": "Bearer not-one-of-the-server-tokens"}
    response = httpx2.post(static_oauth.url, json=LIST_TOOLS, headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "not-one-of" not in static_oauth.stderr()


def test_foreign_host_gets_421(per_caller: HttpServer, box: Sandbox) -> None:
    headers = {**MCP_HEADERS, **_token_header(box, box.current_user_id), "Host": "attacker.example"}
    response = httpx2.post(per_caller.url, json=LIST_TOOLS, headers=headers)
    assert response.status_code == 421


def test_foreign_origin_gets_403(per_caller: HttpServer, box: Sandbox) -> None:
    headers = {**MCP_HEADERS, **_token_header(box, box.current_user_id), "Origin": "https://attacker.example"}
    response = httpx2.post(per_caller.url, json=LIST_TOOLS, headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("origin", ["http://localhost:1@evil.com", "http://localhost:6274.evil.com", "null"])
def test_an_origin_that_only_starts_like_loopback_gets_403(per_caller: HttpServer, box: Sandbox, origin: str) -> None:
    headers = {**MCP_HEADERS, **_token_header(box, box.current_user_id), "Origin": origin}
    assert httpx2.post(per_caller.url, json=LIST_TOOLS, headers=headers).status_code == 403


def test_loopback_origin_is_accepted(per_caller: HttpServer, box: Sandbox) -> None:
    headers = {**MCP_HEADERS, **_token_header(box, box.current_user_id), "Origin": "http://localhost:6274"}
    response = httpx2.post(per_caller.url, json=LIST_TOOLS, headers=headers)
    assert response.status_code == 200, response.text


def test_oversized_body_gets_413(per_caller: HttpServer, box: Sandbox) -> None:
    headers = {**MCP_HEADERS, **_token_header(box, box.current_user_id)}
    body = {**LIST_TOOLS, "params": {"padding": "x" * 8192}}
    response = httpx2.post(per_caller.url, json=body, headers=headers)
    assert response.status_code == 413


# --- narrowing headers ---------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_readonly_header_hides_write_tools(per_caller: HttpServer, box: Sandbox, mode: str) -> None:
    headers = _token_header(box, box.current_user_id)
    everything = await _tool_names(per_caller.url, headers, mode)
    writes = sorted(name for name, read_only in everything.items() if not read_only)
    assert writes, "the server was started with --enable-write-tools"
    narrowed = await _tool_names(per_caller.url, {**headers, "X-MCP-Readonly": "true"}, mode)
    assert narrowed and all(narrowed.values())
    assert set(narrowed) == {name for name, read_only in everything.items() if read_only}
    async with http_session(per_caller.url, {**headers, "X-MCP-Readonly": "1"}, mode=mode) as client:
        is_error, text = await _call(client, writes[0])
    assert is_error and text == f"Unknown tool: {writes[0]}"


@pytest.mark.anyio
async def test_toolset_and_tool_headers_narrow_the_list(per_caller: HttpServer, box: Sandbox) -> None:
    headers = _token_header(box, box.current_user_id)
    people = await _tool_names(per_caller.url, {**headers, "X-MCP-Toolsets": "people"})
    assert "get_user_data" in people and "list_incidents" not in people
    two = await _tool_names(per_caller.url, {**headers, "X-MCP-Tools": "list_incidents, get_user_data"})
    assert set(two) == {"list_incidents", "get_user_data"}
    async with http_session(per_caller.url, {**headers, "X-MCP-Toolsets": "people"}) as client:
        is_error, text = await _call(client, "list_incidents", {"limit": 1})
        assert is_error and text == "Unknown tool: list_incidents"
        is_error, envelope = await _call(client, "get_user_data")
        assert not is_error, envelope


@pytest.mark.anyio
async def test_widening_headers_are_ignored(per_caller: HttpServer, static_oauth: HttpServer, box: Sandbox) -> None:
    headers = _token_header(box, box.current_user_id)
    # A tool the operator excluded stays hidden, even when named.
    named = await _tool_names(per_caller.url, {**headers, "X-MCP-Tools": f"{EXCLUDED},list_incidents"})
    assert set(named) == {"list_incidents"}
    async with http_session(per_caller.url, {**headers, "X-MCP-Tools": EXCLUDED}) as client:
        is_error, text = await _call(client, EXCLUDED, {"service_id": "P000000"})
    assert is_error and text == f"Unknown tool: {EXCLUDED}"
    # A read-only server stays read-only, and a toolset the operator left out stays out.
    bearer = {"Authorization": "Bearer second-server-token-0123456789"}
    baseline = await _tool_names(static_oauth.url, bearer)
    widened = await _tool_names(static_oauth.url, {**bearer, "X-MCP-Readonly": "false", "X-MCP-Toolsets": "aiops"})
    assert all(baseline.values()) and baseline
    assert widened == {}  # aiops is not enabled: asking for it only narrows to nothing
    unchanged = await _tool_names(static_oauth.url, {**bearer, "X-MCP-Readonly": "false"})
    assert unchanged == baseline


# --- multi-tenant isolation ----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_each_caller_sees_only_what_its_own_credential_fetches(
    per_caller: HttpServer, box: Sandbox, mode: str
) -> None:
    alice, bob = _users(box)
    expected = {uid: box.state.get("users", uid)["email"] for uid in (alice, bob)}
    seen: dict[str, list[str]] = {alice: [], bob: []}

    async def caller(user_id: str, headers: dict[str, str]) -> None:
        async with http_session(per_caller.url, headers, mode=mode) as client:
            for _ in range(5):
                is_error, envelope = await _call(client, "get_user_data")
                assert not is_error, envelope
                seen[user_id].append(envelope["users"][0]["email"])

    async with anyio.create_task_group() as group:
        # The dedicated header works as well as Authorization.
        group.start_soon(caller, alice, _token_header(box, alice))
        group.start_soon(caller, bob, {"X-PagerDuty-Token": box.token_for(bob)})
    assert seen[alice] == [expected[alice]] * 5
    assert seen[bob] == [expected[bob]] * 5
    assert expected[alice] != expected[bob]


@pytest.mark.anyio
async def test_a_bad_caller_token_fails_without_borrowing_anyone_elses(per_caller: HttpServer) -> None:
    async with http_session(per_caller.url, {"Authorization": "Token token=no-such-token-123456"}) as client:
        is_error, envelope = await _call(client, "get_user_data")
    assert is_error and envelope["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.anyio
async def test_audit_line_names_the_caller_without_its_secret(per_caller: HttpServer, box: Sandbox) -> None:
    token = box.token_for(_users(box)[0])
    async with http_session(per_caller.url, {"Authorization": f"Token token={token}"}) as client:
        is_error, _ = await _call(client, "list_incidents", {"limit": 1})
    assert not is_error
    caller = f"caller=token:…{token[-4:]}"

    def audit_lines() -> list[str]:
        return [x for x in per_caller.stderr().splitlines() if "tool=list_incidents" in x and caller in x]

    with anyio.fail_after(10):
        while not audit_lines():
            await anyio.sleep(0.05)
    line = audit_lines()[0]
    assert "outcome=ok" in line and "upstream_calls=" in line and "duration_ms=" in line
    assert token not in per_caller.stderr()


@pytest.mark.anyio
async def test_advice_to_a_caller_names_what_the_caller_can_do_never_a_server_variable(
    per_caller: HttpServer, box: Sandbox
) -> None:
    """Under --auth pagerduty the caller cannot set the server's variables: advice names the token
    it sends and the From header, which the server accepts from a caller with an account-level key."""
    incident = next(i["id"] for i in box.state.all("incidents") if i["status"] != "resolved")
    account = {"Authorization": f"Token token={SANDBOX_ACCOUNT_TOKEN}"}
    async with http_session(per_caller.url, account) as client:
        _, me = await _call(client, "get_user_data")
        is_error, refused = await _call(client, "add_note_to_incident", {"incident_id": incident, "note": "probe"})
    assert "From: <email" in me["metadata"]["description"]
    assert is_error and refused["error"]["code"] == "FROM_EMAIL_REQUIRED"
    assert "From: <email" in refused["error"]["message"]
    async with http_session(per_caller.url, {"Authorization": "Token token=no-such-token-123456"}) as client:
        _, unauthorized = await _call(client, "get_user_data")
    assert "your client sends" in unauthorized["error"]["message"]
    for said in (me["metadata"]["description"], refused["error"]["message"], unauthorized["error"]["message"]):
        assert "PAGERDUTY_USER_EMAIL" not in said and "PAGERDUTY_USER_API_KEY" not in said
    alice = _users(box)[0]
    email = box.state.get("users", alice)["email"]
    async with http_session(per_caller.url, {**account, "From": email}) as client:
        is_error, noted = await _call(client, "add_note_to_incident", {"incident_id": incident, "note": "as alice"})
    assert not is_error, noted
    assert noted["notes"][0]["user"]["id"] == alice


def test_a_from_header_that_is_no_email_is_refused(per_caller: HttpServer) -> None:
    headers = {**MCP_HEADERS, "Authorization": f"Token token={SANDBOX_ACCOUNT_TOKEN}", "From": "not an email"}
    response = httpx2.post(per_caller.url, json=LIST_TOOLS, headers=headers)
    assert response.status_code == 400 and "From header" in response.json()["message"]


# --- OAuth scopes ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_app_token_without_a_scope_gets_an_error_naming_it(static_oauth: HttpServer) -> None:
    async with http_session(static_oauth.url, {"Authorization": "Bearer first-server-token-0123456789"}) as client:
        is_error, envelope = await _call(client, "list_incidents", {"limit": 1})
        assert not is_error, envelope
        is_error, envelope = await _call(client, "list_services")
    assert is_error
    assert envelope["error"]["code"] == "FORBIDDEN"
    assert "services.read" in envelope["error"]["message"]
    assert envelope["error"]["details"] == {"missing_scope": "services.read"}
    assert "caller=client:" in static_oauth.stderr()


@pytest.mark.anyio
async def test_callers_oauth_token_without_a_scope_gets_an_error_naming_it(
    per_caller: HttpServer, https_sandbox: Any
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": SANDBOX_OAUTH_CLIENT_ID,
        "client_secret": SANDBOX_OAUTH_CLIENT_SECRET,
        "scope": "incidents.read",
    }
    with httpx2.Client(verify=_ssl_context(https_sandbox.ca_path)) as http:
        token = http.post(f"{https_sandbox.url}/oauth/token", data=form).json()["access_token"]
    async with http_session(per_caller.url, {"Authorization": f"Bearer {token}"}) as client:
        is_error, envelope = await _call(client, "list_incidents", {"limit": 1})
        assert not is_error, envelope
        is_error, envelope = await _call(client, "list_services")
    assert is_error and envelope["error"]["code"] == "FORBIDDEN"
    assert envelope["error"]["details"] == {"missing_scope": "services.read"}


def _ssl_context(ca_path: Any) -> Any:
    import ssl

    return ssl.create_default_context(cafile=str(ca_path))


# --- start-up safety -----------------------------------------------------------------------------


def test_allow_unauthenticated_starts_with_a_warning_and_keeps_host_checks(servers: Servers) -> None:
    server = servers.unauthenticated
    assert "WITHOUT client authentication" in server.stderr()
    response = httpx2.post(server.url, json=LIST_TOOLS, headers=MCP_HEADERS)
    assert response.status_code == 200
    named = httpx2.post(server.url, json=LIST_TOOLS, headers={**MCP_HEADERS, "Host": "mcp.example.com"})
    assert named.status_code == 200
    # DNS-rebinding protection stays on for a public bind: an unlisted name is refused.
    foreign = httpx2.post(server.url, json=LIST_TOOLS, headers={**MCP_HEADERS, "Host": "rebind.attacker.example"})
    assert foreign.status_code == 421


@pytest.mark.anyio
@pytest.mark.parametrize("host", IPV6)
async def test_serves_on_the_ipv6_loopback_with_host_and_origin_checks_for_it(servers: Servers, host: str) -> None:
    server = servers.ipv6[host]
    assert server.base.startswith("http://[::1]:")
    assert f"streamable HTTP on {server.base}/mcp" in server.stderr()
    port = server.base.rsplit(":", 1)[1]
    same = {**MCP_HEADERS, "Origin": f"http://[::1]:{port}"}
    assert httpx2.post(server.url, json=LIST_TOOLS, headers=same).status_code == 200
    tricked = {**MCP_HEADERS, "Origin": "http://[::1]:1@evil.com"}
    assert httpx2.post(server.url, json=LIST_TOOLS, headers=tricked).status_code == 403
    rebound = {**MCP_HEADERS, "Host": "rebind.attacker.example"}
    assert httpx2.post(server.url, json=LIST_TOOLS, headers=rebound).status_code == 421
    async with http_session(server.url) as client:
        assert "list_incidents" in {t.name for t in (await client.list_tools()).tools}


# --- prompts and resources run as the caller ------------------------------------------------------


async def _audit_line(server: HttpServer, needle: str, caller: str) -> str:
    def lines() -> list[str]:
        return [x for x in server.stderr().splitlines() if needle in x and caller in x]

    with anyio.fail_after(10):
        while not lines():
            await anyio.sleep(0.05)
    return lines()[0]


@pytest.mark.anyio
async def test_prompts_and_the_resource_answer_with_the_callers_credential(
    per_caller: HttpServer, box: Sandbox
) -> None:
    alice = _users(box)[0]
    email = box.state.get("users", alice)["email"]
    token = box.token_for(alice)
    incident = box.state.all("incidents")[0]["id"]
    async with http_session(per_caller.url, _token_header(box, alice)) as client:
        me = await client.read_resource("pagerduty://people/me")
        handoff = await client.get_prompt("oncall_handoff", {})
        summary = await client.get_prompt("incident_summary", {"incident_id": incident, "purpose": "handoff"})
    me_text = me.contents[0].text  # type: ignore[union-attr]
    assert email in me_text and "UNAUTHORIZED" not in me_text
    for prompt in (handoff, summary):
        text = prompt.messages[0].content.text  # type: ignore[union-attr]
        assert "UNAUTHORIZED" not in text and "PAGERDUTY_USER_API_KEY" not in text
    assert incident in summary.messages[0].content.text  # type: ignore[union-attr]
    caller = f"caller=token:…{token[-4:]}"
    resource_line = await _audit_line(per_caller, "resource=pagerduty://people/me", caller)
    assert "outcome=ok" in resource_line and "upstream_calls=" in resource_line
    for name in ("oncall_handoff", "incident_summary"):
        line = await _audit_line(per_caller, f"prompt={name}", caller)
        assert "outcome=ok" in line and "duration_ms=" in line
    assert token not in per_caller.stderr()


@pytest.mark.anyio
async def test_a_resource_with_a_bad_caller_token_is_an_error_that_says_why(per_caller: HttpServer) -> None:
    headers = {"Authorization": "Token token=no-such-token-123456"}
    async with http_session(per_caller.url, headers) as client:
        with pytest.raises(MCPError) as refused:
            await client.read_resource("pagerduty://people/me")
    assert refused.value.error.message.startswith("UNAUTHORIZED: ")
    assert refused.value.error.data["code"] == "UNAUTHORIZED"
    line = await _audit_line(per_caller, "resource=pagerduty://people/me", "caller=token:…3456")
    assert "outcome=UNAUTHORIZED" in line
