"""Putting ``--auth oauth`` together: public URL, the PagerDuty OAuth app, store, key and scopes.

Every refusal is a ``ValueError`` that says what to set; start-up turns it into one line on stderr.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from pagerduty_mcp.common.hosting.budget import MemoryBuckets, RedisBuckets
from pagerduty_mcp.common.hosting.host_checks import url_host
from pagerduty_mcp.common.hosting.http import is_loopback
from pagerduty_mcp.common.hosting.oauth_server import (
    SANDBOX_SIGN_IN_PATH,
    OAuthConfig,
    OAuthResource,
    build_oauth_resource,
)
from pagerduty_mcp.common.hosting.redirects import RedirectPolicy
from pagerduty_mcp.common.hosting.registration import DEFAULT_REGISTRATIONS_PER_HOUR
from pagerduty_mcp.common.hosting.sealing import Sealer
from pagerduty_mcp.common.hosting.store import MemoryStore, RedisStore, open_store
from pagerduty_mcp.common.pagerduty.identity import PagerDutyIdentity, SignInApp
from pagerduty_mcp.common.toolkit.area import Area
from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.common.toolkit.scopes_by_tool import tool_scopes
from pagerduty_mcp.common.toolkit.server import PagerDutyMCPServer

__all__ = ["check_public_url", "oauth_resource", "tool_scope_map", "write_tool_names"]

log = logging.getLogger(__name__)


def check_public_url(url: str | None, host: str, port: int) -> str:
    """The canonical URL of this server, without a trailing slash (``ValueError`` if unusable)."""
    if not url:
        if is_loopback(host):
            return f"http://{'127.0.0.1' if host == 'localhost' else url_host(host)}:{port}"
        raise ValueError("--auth oauth needs --public-url (PAGERDUTY_MCP_PUBLIC_URL): the https URL clients reach")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"--public-url must be an http(s) URL without query or fragment (got {url!r})")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(f"--public-url must use https unless it is a loopback address (got {url!r})")
    return url.strip().rstrip("/")


def tool_scope_map(server: PagerDutyMCPServer, areas: Sequence[Area]) -> dict[str, tuple[str, ...]]:
    """The PagerDuty scopes of each tool the server registered."""
    registered = {tool.name for tool in server._tool_manager.list_tools()}
    return {spec_of(fn).name: tool_scopes(fn) for area in areas for fn in area.tools if spec_of(fn).name in registered}


def write_tool_names(server: PagerDutyMCPServer, areas: Sequence[Area]) -> frozenset[str]:
    """The registered tools that change PagerDuty (none unless ``--enable-write-tools``)."""
    registered = {tool.name for tool in server._tool_manager.list_tools()}
    return frozenset(spec_of(fn).name for area in areas for fn in area.write_tools if spec_of(fn).name in registered)


def oauth_resource(
    server: PagerDutyMCPServer,
    areas: Sequence[Area],
    *,
    public_url: str,
    mcp_path: str,
    api_host: str,
    redis_url: str | None,
    sandbox: bool,
    redirects: RedirectPolicy | None = None,
    registrations_per_hour: int = DEFAULT_REGISTRATIONS_PER_HOUR,
    env: Mapping[str, str] | None = None,
) -> OAuthResource:
    """The sign-in endpoints and token check for ``server`` (with ``--sandbox``: the sandbox's identity)."""
    app = SignInApp.from_env(api_host, env)
    transport = None
    sign_in_url = None
    if app is None and sandbox:
        from pagerduty_mcp.common.hosting.upstream import sandbox_sign_in

        app, transport = sandbox_sign_in(public_url + "/oauth/callback")
        sign_in_url = public_url + SANDBOX_SIGN_IN_PATH
    if app is None:
        raise ValueError(
            "--auth oauth signs users in with your PagerDuty OAuth app: set PAGERDUTY_OAUTH_CLIENT_ID and "
            "PAGERDUTY_OAUTH_CLIENT_SECRET (README: Sign in with PagerDuty), or use --sandbox"
        )
    config = OAuthConfig(
        public_url,
        mcp_path,
        api_host,
        tool_scope_map(server, areas),
        sign_in_url=sign_in_url,
        write_tools=write_tool_names(server, areas),
        redirects=redirects or RedirectPolicy(),
        registrations_per_hour=registrations_per_hour,
    )
    store: MemoryStore | RedisStore = open_store(redis_url)
    if isinstance(store, RedisStore):
        _ping(store.url)
    sealer = Sealer.from_env(env, ephemeral_ok=sandbox)
    identity = PagerDutyIdentity(app, transport=transport)
    log.info(
        "sign in with PagerDuty at %s (state: %s; callback to register: %s)",
        public_url,
        "redis" if isinstance(store, RedisStore) else "memory, one replica",
        config.callback_url,
    )
    buckets = RedisBuckets(redis_url) if redis_url else MemoryBuckets()
    return build_oauth_resource(
        config, store, sealer, identity, sign_in_transport=transport, registration_buckets=buckets
    )


def _ping(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.exceptions.RedisError, OSError) as exc:
        log.warning("Redis is not answering at start (%s): sign-ins wait until it does", type(exc).__name__)
