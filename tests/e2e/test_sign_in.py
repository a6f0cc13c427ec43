"""Sign in with PagerDuty across replicas: two server processes sharing one real Redis, behind a
stand-in load balancer, the HTTPS sandbox as PagerDuty and its identity service, and the ``mcp``
SDK client's own OAuth support in front."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from cryptography.fernet import Fernet
from mcp.client.auth.exceptions import OAuthRegistrationError
from mcp_types import ResourceTemplateReference

from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.common.toolkit.scopes_by_tool import tool_scopes
from pagerduty_mcp.rules.scope_table import grants
from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo
from pagerduty_mcp.server import AREAS
from tests.e2e.sign_in import Balancer, Browser, MemoryTokens, sign_in_provider, signed_in_client
from tests.harness import HttpServer, ServerSpec, free_port, http_server, http_servers, http_session, rpc_answer
from tests.redis_server import RedisServer, redis_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.anyio, pytest.mark.subprocess]

JONAS = "jonas.weber@acme-shop.example"
TOKEN_KEY = Fernet.generate_key().decode()


@dataclass
class Replicas:
    public: str  # what clients see: the load balancer's address
    a: HttpServer
    b: HttpServer
    sandbox: ServerInfo
    box: Sandbox

    def balancer(self) -> Balancer:
        return Balancer(self.public, {"a": self.a.base, "b": self.b.base}, self.sandbox.ca_path)

    @property
    def identity_host(self) -> str:
        return self.sandbox.url.removeprefix("https://")


def replica_env(sandbox: ServerInfo, public: str, redis_url: str) -> dict[str, str]:
    return {
        "PAGERDUTY_API_HOST": sandbox.url,
        "SSL_CERT_FILE": str(sandbox.ca_path),
        "PAGERDUTY_OAUTH_CLIENT_ID": SANDBOX_OAUTH_CLIENT_ID,
        "PAGERDUTY_OAUTH_CLIENT_SECRET": SANDBOX_OAUTH_CLIENT_SECRET,
        "PAGERDUTY_MCP_TOKEN_KEY": TOKEN_KEY,
        "PAGERDUTY_MCP_PUBLIC_URL": public,
        "PAGERDUTY_MCP_REDIS_URL": redis_url,
    }


def two_replicas(stack: ExitStack, box: Sandbox, sandbox: ServerInfo, redis_url: str, *args: str) -> Replicas:
    public = f"http://127.0.0.1:{free_port()}"  # nothing listens here: the Balancer routes it
    env = replica_env(sandbox, public, redis_url)
    argv = ["--auth", "oauth", "--enable-write-tools", *args]
    a, b = stack.enter_context(http_servers(ServerSpec(argv, env), ServerSpec(argv, env)))
    return Replicas(public, a, b, sandbox, box)


@pytest.fixture(scope="module")
def replicas(box: Sandbox, https_sandbox: ServerInfo, redis_server: RedisServer) -> Iterator[Replicas]:
    with ExitStack() as stack:
        yield two_replicas(stack, box, https_sandbox, redis_server.url)


def payload(result: Any) -> Any:
    text = result.content[0].text
    try:
        return json.loads(text)
    except ValueError:
        return text


def who(result: Any) -> str:
    """The email of the user ``get_user_data`` answered with."""
    assert not result.is_error, result
    return str(payload(result)["users"][0]["email"])


def user(box: Sandbox, email: str) -> dict[str, Any]:
    return next(u for u in box.state.all("users") if u["email"] == email)


async def test_sign_in_through_one_replica_call_through_the_other_refresh_on_both_revoke_everywhere(
    replicas: Replicas,
) -> None:
    balancer = replicas.balancer()
    async with signed_in_client(f"{replicas.public}/mcp", balancer, JONAS, replicas.identity_host) as (
        client,
        provider,
        storage,
    ):
        balancer.target = "a"
        names = {t.name for t in (await client.list_tools()).tools}
        signed_in_at = {path: replica for replica, path in balancer.sent}
        assert signed_in_at["/register"] == signed_in_at["/authorize"] == "a"
        assert signed_in_at["/oauth/callback"] == signed_in_at["/token"] == "a"
        assert "manage_incidents" in names and "get_user_data" in names

        balancer.target = "b"
        before = len(balancer.sent)
        me = await client.call_tool("get_user_data", {})
        assert who(me) == JONAS  # runs as the signed-in user
        assert all(replica == "b" for replica, _ in balancer.sent[before:])
        assert not any(path == "/authorize" for _, path in balancer.sent[before:])  # no second sign-in

        for replica in ("a", "b"):
            balancer.target = replica
            old, registered = storage.tokens, storage.client
            assert old is not None and registered is not None
            provider.context.token_expiry_time = 1.0  # due: the client refreshes before its next request
            before = len(balancer.sent)
            assert who(await client.call_tool("get_user_data", {})) == JONAS
            assert storage.tokens is not None and storage.tokens.access_token != old.access_token
            assert (replica, "/token") in balancer.sent[before:]
            for server in (replicas.a, replicas.b):  # the spent refresh token is gone for every replica
                spent = httpx2.post(
                    f"{server.base}/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": old.refresh_token or "",
                        "client_id": registered.client_id,
                        "client_secret": registered.client_secret or "",
                    },
                )
                assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant", spent.text

        jonas = user(replicas.box, JONAS)["id"]
        table = replicas.box.state.tables["oauth_tokens"]
        theirs = [token for token, row in table.items() if row.get("_user_id") == jonas]
        assert theirs  # Jonas's PagerDuty tokens, issued by the sandbox's identity service
        tokens, client_info = storage.tokens, storage.client
        assert tokens is not None and client_info is not None
        revoke = httpx2.post(
            f"{replicas.b.base}/revoke",
            data={
                "token": tokens.access_token,
                "client_id": client_info.client_id,
                "client_secret": client_info.client_secret or "",
            },
        )
        assert revoke.status_code == 200
        for server in (replicas.a, replicas.b):
            answer = httpx2.post(
                f"{server.base}/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                headers={
                    "Authorization": f"Bearer {tokens.access_token}",
                    "Accept": "application/json, text/event-stream",
                    "Content-Type": "application/json",
                },
            )
            assert answer.status_code == 401, answer.text
            assert 'error="invalid_token"' in answer.headers["www-authenticate"]
            assert "resource_metadata=" in answer.headers["www-authenticate"]
    assert "signed in" in replicas.a.stderr() and "revoked" in replicas.b.stderr()
    for server in (replicas.a, replicas.b):
        logged = server.stderr()
        assert tokens.access_token not in logged and not any(token in logged for token in theirs)


async def test_the_sandbox_stands_in_for_pagerduty_with_no_account() -> None:
    """``pagerduty-mcp --sandbox --transport streamable-http --auth oauth --public-url …``: the
    sandbox's sign-in page is served by the server itself, where a browser can reach it."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with http_server(["--sandbox", "--auth", "oauth", "--public-url", public], {}, port=port) as server:
        balancer = Balancer(public, {"only": server.base})
        async with signed_in_client(f"{public}/mcp", balancer, JONAS, f"127.0.0.1:{port}") as (client, _, _):
            assert who(await client.call_tool("get_user_data", {})) == JONAS
        assert ("only", "/oauth/sandbox/authorize") in balancer.sent
        metadata = httpx2.get(f"{public}/.well-known/oauth-protected-resource/mcp").json()
        assert metadata["resource"] == f"{public}/mcp" and metadata["authorization_servers"] == [public]
        anonymous = httpx2.post(
            f"{public}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream", "Content-Type": "application/json"},
        )
        assert anonymous.status_code == 401
        expected = f'Bearer resource_metadata="{public}/.well-known/oauth-protected-resource/mcp"'
        assert anonymous.headers["www-authenticate"] == expected
        assert "throwaway key" in server.stderr()  # no PAGERDUTY_MCP_TOKEN_KEY: said, not hidden


async def test_a_second_user_sees_only_their_own_data_and_the_tools_their_scopes_allow(replicas: Replicas) -> None:
    observer = next(u for u in replicas.box.state.all("users") if u["role"] == "observer")
    balancer = replicas.balancer()
    async with (
        signed_in_client(f"{replicas.public}/mcp", balancer, JONAS, replicas.identity_host) as (jonas, _, _),
        signed_in_client(f"{replicas.public}/mcp", balancer, observer["email"], replicas.identity_host) as (
            watcher,
            _,
            storage,
        ),
    ):
        jonas_tools = {t.name: t for t in (await jonas.list_tools()).tools}
        balancer.target = "b"
        watcher_tools = {t.name: t for t in (await watcher.list_tools()).tools}
        assert storage.tokens is not None and "incidents.write" not in (storage.tokens.scope or "").split()
        hidden = set(jonas_tools) - set(watcher_tools)
        assert "manage_incidents" in hidden and "create_incident" in hidden
        granted = (storage.tokens.scope or "").split()
        needs = {spec_of(fn).name: tool_scopes(fn) for area in AREAS for fn in area.tools}
        assert all(all(grants(granted, s) for s in needs[name]) for name in watcher_tools)
        assert not any(all(grants(granted, s) for s in needs[name]) for name in hidden)
        mine = await watcher.call_tool("get_user_data", {})
        assert who(mine) == observer["email"]
        refused = await watcher.call_tool("manage_incidents", {"incident_ids": ["P1"], "status": "acknowledged"})
        assert refused.is_error  # hidden means absent: calling it by name fails like an unknown tool


async def test_each_signed_in_users_completions_come_from_their_own_list(replicas: Replicas) -> None:
    other = next(u for u in replicas.box.state.all("users") if u["email"] != JONAS and u["role"] != "observer")
    balancer = replicas.balancer()
    balancer.target = "a"  # the name lists are kept per replica, and per credential there
    team = ResourceTemplateReference(uri="pagerduty://teams/{team}")

    def team_lists() -> int:
        return sum(1 for r in list(replicas.box.request_log) if r.method == "GET" and r.path == "/teams")

    async with (
        signed_in_client(f"{replicas.public}/mcp", balancer, JONAS, replicas.identity_host) as (jonas, _, _),
        signed_in_client(f"{replicas.public}/mcp", balancer, other["email"], replicas.identity_host) as (them, _, _),
    ):
        await jonas.list_tools()  # signed in before counting
        await them.list_tools()
        before = team_lists()
        for client, typed in ((jonas, ""), (jonas, "p"), (them, ""), (jonas, "pl"), (them, "c")):
            assert (await client.complete(team, {"name": "team", "value": typed})).completion.values
        # One list per signed-in user, reused for their keystrokes; never one user's list for another.
        assert team_lists() - before == 2


async def test_replicas_share_one_request_budget_per_credential(
    box: Sandbox, https_sandbox: ServerInfo, redis_server: RedisServer
) -> None:
    """With a budget of 40 a minute (a burst of 10, then 0.5 a second), two replicas together never
    send more than the budget allows in the window, measured at the sandbox; another credential
    is unaffected. Each replica alone would allow twice as much."""
    seen: list[str] = []
    original = box.dispatch

    def counting(method: str, path: str, query: str, headers: dict[str, str], body: bytes, **kw: Any) -> Any:
        seen.append(headers.get("authorization") or headers.get("Authorization") or "")
        return original(method, path, query, headers, body, **kw)

    box.dispatch = counting  # type: ignore[method-assign]
    busy, calm = box.token_for(user(box, JONAS)["id"]), box.token_for(user(box, "maria.santos@acme-shop.example")["id"])
    public = f"http://127.0.0.1:{free_port()}"
    env = {"PAGERDUTY_API_HOST": https_sandbox.url, "SSL_CERT_FILE": str(https_sandbox.ca_path)}
    env["PAGERDUTY_MCP_REDIS_URL"] = redis_server.url
    argv = ["--auth", "pagerduty", "--budget-per-minute", "40", "--call-timeout", "4"]
    try:
        with http_servers(ServerSpec(argv, env), ServerSpec(argv, env)) as (a, b):
            outcomes: dict[str, list[bool]] = {busy: [], calm: []}

            async def call(base: str, token: str) -> None:
                request = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
                request["params"] = {"name": "list_teams", "arguments": {}}  # type: ignore[assignment]
                headers = {
                    "Authorization": f"Token token={token}",
                    "Accept": "application/json, text/event-stream",
                    "Content-Type": "application/json",
                }
                async with httpx2.AsyncClient(timeout=30) as http:
                    answer = await http.post(f"{base}/mcp", json=request, headers=headers)
                result = rpc_answer(answer)["result"]
                outcomes[token].append(not result.get("isError"))
                if result.get("isError"):
                    assert "RATE_LIMITED" in result["content"][0]["text"], result

            seen.clear()
            started = anyio.current_time()
            async with anyio.create_task_group() as group:
                for index in range(40):
                    group.start_soon(call, (a.base, b.base)[index % 2], busy)
                for index in range(6):
                    group.start_soon(call, (a.base, b.base)[index % 2], calm)
            elapsed = anyio.current_time() - started
    finally:
        box.dispatch = original  # type: ignore[method-assign]
    sent_busy = sum(1 for header in seen if busy in header)
    allowed = 10 + 0.5 * elapsed
    assert sent_busy <= allowed + 1, (sent_busy, elapsed)
    assert sent_busy < 20  # what two unshared buckets would have let through at once
    assert outcomes[busy].count(False) > 0  # the budget was binding: some calls were told to wait
    assert all(outcomes[calm]) and len(outcomes[calm]) == 6  # the other credential never waited
    assert public  # (the budget needs no load balancer: replicas reach Redis directly)


async def test_redis_stopped_and_restarted_mid_run(box: Sandbox, https_sandbox: ServerInfo) -> None:
    binary = redis_or_skip()
    with tempfile.TemporaryDirectory(prefix="pagerduty-mcp-redis-") as directory, ExitStack() as stack:
        redis = RedisServer(binary, Path(directory), persistent=True)
        redis.start()
        stack.callback(redis.stop)
        replicas = two_replicas(stack, box, https_sandbox, redis.url)
        balancer = replicas.balancer()
        async with signed_in_client(f"{replicas.public}/mcp", balancer, JONAS, replicas.identity_host) as (
            client,
            provider,
            storage,
        ):
            for replica in ("a", "b"):
                balancer.target = replica
                assert not (await client.call_tool("get_user_data", {})).is_error

            redis.stop()
            for replica in ("a", "b"):  # a token in hand keeps working on both replicas
                balancer.target = replica
                result = await client.call_tool("get_user_data", {})
                assert who(result) == JONAS
            tokens = storage.tokens
            assert tokens is not None and storage.client is not None
            form = {
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token or "",
                "client_id": storage.client.client_id,
                "client_secret": storage.client.client_secret or "",
            }
            down = httpx2.post(f"{replicas.a.base}/token", data=form)
            assert down.status_code == 503
            assert down.json()["error"] == "temporarily_unavailable" and "Redis" in down.json()["error_description"]
            register = httpx2.post(f"{replicas.b.base}/register", json={"redirect_uris": ["http://127.0.0.1:1/cb"]})
            assert register.status_code == 503
            unseen = httpx2.post(
                f"{replicas.b.base}/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"Authorization": "Bearer pdmcp_at_never-seen", "Accept": "application/json"},
            )
            assert unseen.status_code == 503 and "Redis" in unseen.json()["message"]

            redis.start()  # same data directory: what was written before the outage is back
            provider.context.token_expiry_time = 1.0  # refresh now, through the replica that saw the outage
            balancer.target = "a"
            result = await client.call_tool("get_user_data", {})
            assert who(result) == JONAS
            assert storage.tokens is not None and storage.tokens.access_token != tokens.access_token
            assert not any(path == "/authorize" for _, path in balancer.sent[-6:])  # no new sign-in was needed


async def test_the_consent_page_once_then_the_approval_is_remembered_on_every_replica(replicas: Replicas) -> None:
    balancer = replicas.balancer()
    before = {server.base: _sign_ins(server) for server in (replicas.a, replicas.b)}
    async with httpx2.AsyncClient(transport=balancer, timeout=60.0) as browser_http:
        browser = Browser(browser_http, JONAS, replicas.identity_host)
        async with signed_in_client(f"{replicas.public}/mcp", balancer, JONAS, replicas.identity_host, browser) as (
            client,
            provider,
            storage,
        ):
            balancer.target = "a"
            assert who(await client.call_tool("get_user_data", {})) == JONAS
            assert len(browser.consent_pages) == 1
            page = browser.consent_pages[0]
            assert "“pagerduty-mcp e2e”" in page and "An app on this computer (127.0.0.1, port 33418)" in page
            assert "<strong>Read and change</strong>" in page  # the replicas run with --enable-write-tools

            # Signed out here (tokens dropped), the same client signs in again through the other
            # replica: the approval, kept in Redis, spares the page.
            balancer.target = "b"
            storage.tokens = None
            provider.context.current_tokens = None
            sent = len(balancer.sent)
            assert who(await client.call_tool("get_user_data", {})) == JONAS
            assert ("b", "/authorize") in balancer.sent[sent:] and ("b", "/oauth/callback") in balancer.sent[sent:]
            assert len(browser.consent_pages) == 1
    for server in (replicas.a, replicas.b):  # each replica counted the sign-in it completed
        assert _sign_ins(server) == before[server.base] + 1


def _sign_ins(server: HttpServer, outcome: str = "ok") -> float:
    metrics = httpx2.get(f"{server.base}/metrics").text
    line = f'pagerduty_mcp_sign_ins_total{{outcome="{outcome}"}} '
    return sum(float(row[len(line) :]) for row in metrics.splitlines() if row.startswith(line))


async def test_a_reused_refresh_token_on_one_replica_signs_out_everyone_on_both(replicas: Replicas) -> None:
    balancer = replicas.balancer()
    async with signed_in_client(f"{replicas.public}/mcp", balancer, JONAS, replicas.identity_host) as (
        client,
        provider,
        storage,
    ):
        balancer.target = "a"
        assert who(await client.call_tool("get_user_data", {})) == JONAS
        stolen, registered = storage.tokens, storage.client
        assert stolen is not None and registered is not None
        provider.context.token_expiry_time = 1.0  # the honest client refreshes on replica a
        assert who(await client.call_tool("get_user_data", {})) == JONAS
        current = storage.tokens
        assert current is not None and current.access_token != stolen.access_token
        reuse = httpx2.post(  # the thief's copy of the old refresh token, on replica b
            f"{replicas.b.base}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": stolen.refresh_token or "",
                "client_id": registered.client_id,
                "client_secret": registered.client_secret or "",
            },
        )
        assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
        for server in (replicas.a, replicas.b):
            answer = httpx2.post(
                f"{server.base}/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                headers={
                    "Authorization": f"Bearer {current.access_token}",
                    "Accept": "application/json, text/event-stream",
                    "Content-Type": "application/json",
                },
            )
            assert answer.status_code == 401, answer.text
    assert "a refresh token of it was used again" in replicas.b.stderr()


async def _registration_refusal(server_url: str, redirect: str) -> str:
    """What the SDK client says when this server refuses to register it with ``redirect``."""
    storage = MemoryTokens()
    async with httpx2.AsyncClient(timeout=30.0) as browser_http:
        provider = sign_in_provider(server_url, browser_http, None, "unused", storage, redirect_uri=redirect)
        try:
            async with http_session(server_url, auth=provider, timeout=30.0) as client:
                await client.list_tools()
        except BaseException as exc:  # the SDK raises it, possibly inside an exception group
            found = [e for e in _leaves(exc) if isinstance(e, OAuthRegistrationError)]
            assert found, repr(exc)
            assert storage.tokens is None and storage.client is None
            return str(found[0])
    raise AssertionError(f"{redirect} was registered")


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


async def test_redirect_rules_over_http_with_the_sdk_client() -> None:
    """A shared server (--allowed-redirect-hosts claude.ai): the SDK client registering a redirect
    to another site, or a javascript: one, is refused with the rule it broke; an editor's loopback
    redirect (VS Code, Claude Code) still signs in."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    argv = ["--sandbox", "--auth", "oauth", "--public-url", public, "--allowed-redirect-hosts", "claude.ai"]
    with http_server(argv, {}, port=port) as server:
        said = await _registration_refusal(f"{public}/mcp", "https://evil.example.com/cb")
        assert "400" in said and "invalid_redirect_uri" in said and "claude.ai" in said
        said = await _registration_refusal(f"{public}/mcp", "javascript:alert(document.cookie)")
        assert "invalid_redirect_uri" in said and "never accepted" in said
        balancer = Balancer(public, {"only": server.base})
        async with signed_in_client(f"{public}/mcp", balancer, JONAS, f"127.0.0.1:{port}") as (client, _, _):
            assert who(await client.call_tool("get_user_data", {})) == JONAS
