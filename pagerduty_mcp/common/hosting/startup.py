"""Start-up policy: from the operator's options to a running server.

Which credential the server holds (none under ``--auth pagerduty``), where its requests go (the
account or the sandbox), which tools it shows, and which transport it serves. Every refusal is
one line on stderr and exit code 2, before anything is bound or sent.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import sys
from collections.abc import Sequence
from typing import NoReturn
from urllib.parse import urlsplit

import anyio

from pagerduty_mcp import __version__
from pagerduty_mcp.common.hosting.budget import (
    CredentialBudget,
    MemoryBuckets,
    RedisBuckets,
)
from pagerduty_mcp.common.hosting.client_auth import Authenticator, AuthMode, load_server_tokens
from pagerduty_mcp.common.hosting.http import RemoteOptions, serve_remote, split_names
from pagerduty_mcp.common.hosting.options import ConfirmWrites, ServeOptions, Transport, envvar_of
from pagerduty_mcp.common.hosting.sealing import KEY_VARIABLE, request_state_security, token_keys
from pagerduty_mcp.common.hosting.store import check_redis_url, with_redis_password
from pagerduty_mcp.common.hosting.tracing import start_tracing
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.client import ClientPool
from pagerduty_mcp.common.pagerduty.config import Settings, load_dotenv_file
from pagerduty_mcp.common.pagerduty.logs import configure_logging, register_secret
from pagerduty_mcp.common.pagerduty.oauth import ClientCredentials
from pagerduty_mcp.common.toolkit.area import Area
from pagerduty_mcp.common.toolkit.fairness import (
    CredentialSlots,
)
from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.common.toolkit.server import caller_principal, create_pagerduty_server

__all__ = ["check_options", "remote_options", "serve"]

log = logging.getLogger(__name__)


def check_options(options: ServeOptions) -> None:
    """Refuse numbers no server can run with (``ValueError`` naming the option): a port out of
    range, a non-finite or non-positive timeout (``nan`` would switch the call deadline off), a
    size or limit below one."""
    if options.transport is Transport.streamable_http and not 1 <= options.port <= 65535:
        raise ValueError(f"--port must be between 1 and 65535 (got {options.port})")
    if not math.isfinite(options.call_timeout) or options.call_timeout <= 0:
        raise ValueError(f"--call-timeout must be a positive, finite number of seconds (got {options.call_timeout})")
    if options.max_body_bytes < 1:
        raise ValueError(f"--max-body-bytes must be positive (got {options.max_body_bytes})")
    if options.max_concurrent_per_credential < 1:
        raise ValueError(
            f"--max-concurrent-per-credential must be at least 1 (got {options.max_concurrent_per_credential})"
        )


def _fail(command: str, message: str) -> NoReturn:
    """One clear line on stderr and a non-zero exit: no traceback, nothing on stdout."""
    sys.stderr.write(f"{command}: {message}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def serve(command: str, areas: Sequence[Area], options: ServeOptions) -> None:
    """Check the options, build the server and its client pool, and serve until stopped."""
    configure_logging(options.log_level.value)
    load_dotenv_file()
    start_tracing(command)  # only with OTEL_EXPORTER_OTLP_ENDPOINT set; nothing is imported otherwise
    remote: RemoteOptions | None = None
    try:
        settings = Settings.from_env()
        # Under --auth oauth, PAGERDUTY_OAUTH_CLIENT_ID names the app users sign in with (sign_in.py).
        oauth = None if options.auth is AuthMode.oauth else ClientCredentials.from_env(settings.api_host)
        redis_url = with_redis_password(check_redis_url(options.redis_url))
        if options.request_budget() < 0:
            raise ValueError("--budget-per-minute must be 0 (off) or positive")
        if options.transport is Transport.streamable_http:
            remote = remote_options(options)
        elif options.auth not in (None, AuthMode.none):
            raise ValueError("--auth applies to --transport streamable-http only")
        check_options(options)
    except ValueError as exc:
        _fail(command, str(exc))
    per_caller = remote is not None and remote.authenticator.mode in (AuthMode.pagerduty, AuthMode.oauth)
    if per_caller:
        mode = f"--auth {options.auth.value if options.auth else 'pagerduty'}"
        if settings.credential is not None or oauth is not None:
            log.warning("%s: the server's own PagerDuty credential is ignored; callers bring theirs", mode)
        if settings.user_email:
            log.warning("%s: PAGERDUTY_USER_EMAIL is ignored; writes act as each caller's own user", mode)
        # Nothing of the operator's identity may act for a caller: not the key, not the From email.
        settings, oauth = dataclasses.replace(settings, credential=None, user_email=None), None
    elif settings.credential is None and oauth is None and not options.sandbox:
        _fail(
            command,
            "no PagerDuty credential: set PAGERDUTY_USER_API_KEY (or PAGERDUTY_OAUTH_TOKEN, or "
            "PAGERDUTY_OAUTH_CLIENT_ID/_SECRET/_SCOPES), or run with --sandbox to try the offline sandbox.",
        )
    if settings.credential is not None:
        register_secret(settings.credential.secret)
    flt = options.tool_filter()
    try:
        # Over HTTP a confirmation's answer may reach another replica; on stdio it never leaves.
        sealing = request_state_security(caller_principal) if remote is not None else None
        server = create_pagerduty_server(command, areas, flt, request_state_security=sealing)
        server.confirm_writes = options.confirm_writes.value
        server.slots = CredentialSlots(options.max_concurrent_per_credential, options.max_queued_per_credential)
    except ValueError as exc:
        _fail(command, str(exc))
    if flt.tools and not flt.enable_write_tools:
        named_writes = sorted(
            spec_of(fn).name for area in areas for fn in area.write_tools if spec_of(fn).name in flt.tools
        )
        if named_writes:
            log.warning("read-only: %s stay hidden without --enable-write-tools", ", ".join(named_writes))
    server.call_deadline_seconds = options.call_timeout
    asks = flt.enable_write_tools and options.confirm_writes is not ConfirmWrites.off
    if asks and remote is not None and redis_url and not token_keys():
        log.warning(
            "%s is not set: a confirmation asked by one replica can be answered only on that replica; "
            "set it to the same key on every replica",
            KEY_VARIABLE,
        )
    limits = options.max_concurrent_per_credential
    if options.sandbox:
        try:  # builds the sandbox, which reads PAGERDUTY_SANDBOX_SEED and _SIZE
            pool = sandbox_pool(
                settings=settings,
                keep_credential=not per_caller,
                oauth=oauth,
                max_concurrent_per_credential=limits,
                server_credential=not per_caller,
            )
        except ValueError as exc:
            _fail(command, str(exc))
    else:
        pool = ClientPool(settings, oauth=oauth, max_concurrent_per_credential=limits, server_credential=not per_caller)
    if options.request_budget():
        buckets = RedisBuckets(redis_url) if redis_url else MemoryBuckets()
        pool.budget = CredentialBudget(buckets, options.request_budget())
    if remote is not None and remote.authenticator.mode is AuthMode.oauth:
        # Only a server that signs users in loads the authorization server and its cryptography.
        from pagerduty_mcp.common.hosting.redirects import RedirectPolicy
        from pagerduty_mcp.common.hosting.sign_in import check_public_url, oauth_resource

        try:
            resource = oauth_resource(
                server,
                areas,
                public_url=check_public_url(options.public_url, options.host, options.port),
                mcp_path=options.path,
                api_host=pool.settings.api_host,
                redis_url=redis_url,
                sandbox=options.sandbox,
                redirects=RedirectPolicy.parse(options.allowed_redirect_hosts, loopback=options.loopback_redirects),
                registrations_per_hour=options.max_registrations_per_hour,
            )
        except ValueError as exc:
            _fail(command, str(exc))
        remote = dataclasses.replace(remote, oauth=resource)
    server.pool = pool  # the server's own, for as long as it serves: no other server shares it
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    where = "sandbox" if options.sandbox else settings.api_host
    budget = options.request_budget()
    spending = f"request budget {budget}/min per credential" if budget else "request budget off"
    log.info("%s %s starting (%s, %s, %s)", command, __version__, options.transport.value, where, spending)
    try:
        if remote is None:
            server.run("stdio")
        else:
            anyio.run(functools.partial(serve_remote, server, remote, log_level=options.log_level.value))
    finally:
        pool.close()


def remote_options(options: ServeOptions) -> RemoteOptions:
    """The streamable-HTTP listener from the options; ``ValueError`` says what is wrong."""
    env = dict(os.environ)
    if options.auth_tokens_file:
        env[envvar_of("auth_tokens_file")] = options.auth_tokens_file
    tokens = load_server_tokens(env)
    mode = options.auth or (AuthMode.static if tokens else AuthMode.none)
    if tokens and mode is not AuthMode.static:
        raise ValueError(f"server tokens are set but --auth is {mode.value}: use --auth static, or unset them")
    allowed_hosts = split_names(options.allowed_hosts)
    allowed_origins = split_names(options.allowed_origins)
    if options.public_url and mode is AuthMode.oauth:
        public = urlsplit(options.public_url.strip())
        allowed_hosts += (public.netloc,) if public.netloc else ()
        # The consent page posts its form to this server, from this origin.
        allowed_origins += (f"{public.scheme}://{public.netloc}",) if public.netloc else ()
    remote = RemoteOptions(
        host=options.host,
        port=options.port,
        path=options.path,
        authenticator=Authenticator(mode, tokens),
        allowed_hosts=allowed_hosts,
        allowed_origins=allowed_origins,
        max_body_bytes=options.max_body_bytes,
        allow_unauthenticated=options.allow_unauthenticated,
        read_timeout_seconds=options.read_timeout,
        stream_idle_seconds=options.stream_idle_timeout,
        max_event_streams=options.max_event_streams,
        metrics=options.metrics,
        trusted_proxies=split_names(options.trusted_proxies),
    )
    remote.check()
    return remote
