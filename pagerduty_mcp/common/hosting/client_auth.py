"""Who is calling a remote server, and what they may see.

Three modes of client authentication for streamable HTTP:

- ``none``: anyone who reaches the port (loopback, or an explicit ``--allow-unauthenticated``);
- ``static``: ``Authorization: Bearer <server token>``, one of the operator's tokens; the server
  then speaks to PagerDuty with its own credential;
- ``pagerduty``: every request carries the caller's own PagerDuty credential
  (``Authorization: Token token=<user API key>``, ``Authorization: Bearer <OAuth token>`` or
  ``X-PagerDuty-Token: <user API key>``), and PagerDuty is called with that credential only; a
  caller with an account-level key names the user its writes act as with ``From: <email>``;
- ``oauth``: users sign in with PagerDuty and send this server's own access token (see
  ``oauth_server``); each call runs with the signed-in user's PagerDuty token.

Narrowing headers (``X-MCP-Readonly``, ``X-MCP-Toolsets``, ``X-MCP-Tools``) can hide tools the
operator enabled; they can never show one the operator did not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pagerduty_mcp.common.pagerduty.config import Credential
from pagerduty_mcp.common.pagerduty.context import Caller, Narrowing
from pagerduty_mcp.common.pagerduty.logs import register_secret

__all__ = [
    "AUTH_TOKENS_VARIABLE",
    "AuthMode",
    "Authenticator",
    "Rejection",
    "fingerprint",
    "header_lines",
    "load_server_tokens",
    "narrowing_from_headers",
    "pagerduty_credential",
]

PAGERDUTY_TOKEN_HEADER = "x-pagerduty-token"
# Server tokens come from the environment only (and a file), never from the command line.
AUTH_TOKENS_VARIABLE = "PAGERDUTY_MCP_AUTH_TOKENS"
# An email as PagerDuty takes one in its own From header: one @, no spaces, at most 254 characters.
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,189}")
_MAX_SECRET_LENGTH = 512
_TRUE = {"1", "true", "yes", "on"}


class AuthMode(StrEnum):
    none = "none"
    static = "static"
    pagerduty = "pagerduty"
    oauth = "oauth"


def header_lines(headers: Mapping[str, str], name: str) -> list[str]:
    """Every line of header ``name``, in order. Starlette's ``Headers.get`` gives the first line only,
    which would let a client's own header shadow the one a proxy appends after it."""
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):
        return [str(value) for value in getlist(name)]
    value = headers.get(name)
    return [] if value is None else [value]


def narrowing_from_headers(headers: Mapping[str, str]) -> Narrowing:
    """What a request's ``X-MCP-*`` headers ask to hide; it fails closed.

    Any true ``X-MCP-Readonly`` value wins, in any line or any comma-separated member of one
    (``false, true`` is read-only). Lines of ``X-MCP-Toolsets`` or ``X-MCP-Tools`` intersect:
    each line can only hide more, so a proxy that appends its own line bounds what the client's
    line asks for. Within one line, the comma-separated names are the ones to keep.
    """
    # "false" or any other value never turns writes on: the operator decides that.
    readonly = any(
        member.strip().lower() in _TRUE
        for line in header_lines(headers, "x-mcp-readonly")
        for member in line.split(",")
    )
    return Narrowing(
        readonly,
        _intersection(header_lines(headers, "x-mcp-toolsets")),
        _intersection(header_lines(headers, "x-mcp-tools")),
    )


def _intersection(lines: list[str]) -> frozenset[str] | None:
    """The names every line keeps; ``None`` (no narrowing) without any line."""
    kept: frozenset[str] | None = None
    for line in lines:
        names = frozenset(n.strip() for n in line.split(",") if n.strip())
        kept = names if kept is None else kept & names
    return kept


@dataclass(frozen=True)
class Rejection:
    """Why a request was refused (401 unless said), and the challenge to send back (if any)."""

    message: str
    challenge: str
    status: int = 401


def load_server_tokens(env: Mapping[str, str] | None = None) -> list[str]:
    """Server tokens from ``PAGERDUTY_MCP_AUTH_TOKENS`` (comma-separated) and the file named by
    ``PAGERDUTY_MCP_AUTH_TOKENS_FILE`` (one per line, ``#`` comments). Never from the command line,
    where other users of the machine could read them."""
    env = os.environ if env is None else env
    tokens = [t.strip() for t in env.get(AUTH_TOKENS_VARIABLE, "").split(",") if t.strip()]
    file_name = env.get("PAGERDUTY_MCP_AUTH_TOKENS_FILE", "").strip()
    if file_name:
        try:
            lines = Path(file_name).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"cannot read PAGERDUTY_MCP_AUTH_TOKENS_FILE {file_name!r}: {exc.strerror}") from None
        tokens += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    short = [t for t in tokens if len(t) < 16]
    if short:
        raise ValueError("server tokens must be at least 16 characters long (use e.g. `openssl rand -hex 32`)")
    for token in tokens:
        register_secret(token)
    return tokens


def fingerprint(secret: str) -> str:
    """A short, stable, non-reversible name for a secret, for logs."""
    return hashlib.sha256(secret.encode()).hexdigest()[:10]


class Authenticator:
    """Turns request headers into a :class:`Caller`, or a :class:`Rejection`."""

    def __init__(self, mode: AuthMode, server_tokens: Iterable[str] = ()) -> None:
        self.mode = mode
        self._tokens = [t.encode() for t in server_tokens]
        if mode is AuthMode.static and not self._tokens:
            raise ValueError(
                "--auth static needs server tokens: set PAGERDUTY_MCP_AUTH_TOKENS or PAGERDUTY_MCP_AUTH_TOKENS_FILE"
            )

    @property
    def required(self) -> bool:
        return self.mode is not AuthMode.none

    def authenticate(self, headers: Mapping[str, str]) -> Caller | Rejection:
        narrowing = narrowing_from_headers(headers)
        if self.mode is AuthMode.none:
            return Caller("anonymous", None, narrowing)
        if self.mode is AuthMode.static:
            return self._static(headers, narrowing)
        if self.mode is AuthMode.oauth:
            # The gate asks oauth_server's resource instead; reaching here is a wiring fault.
            return Rejection("Sign in with PagerDuty: this server uses OAuth.", "Bearer")
        return self._pagerduty(headers, narrowing)

    def _static(self, headers: Mapping[str, str], narrowing: Narrowing) -> Caller | Rejection:
        challenge = 'Bearer realm="pagerduty-mcp"'
        scheme, _, value = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return Rejection("Send Authorization: Bearer <server token>.", challenge)
        offered = value.strip().encode()
        # Compare against every token, always, so the time taken says nothing about which matched.
        matched = [hmac.compare_digest(offered, token) for token in self._tokens]
        if not any(matched):
            return Rejection("The server token is not valid.", f'{challenge}, error="invalid_token"')
        # The audit label is a short fingerprint; the key that tells callers apart is the whole hash.
        key = "client:" + hashlib.sha256(value.strip().encode()).hexdigest()
        return Caller(f"client:{fingerprint(value.strip())}", None, narrowing, key=key)

    def _pagerduty(self, headers: Mapping[str, str], narrowing: Narrowing) -> Caller | Rejection:
        challenge = 'Token realm="pagerduty-mcp", Bearer realm="pagerduty-mcp"'
        credential = pagerduty_credential(headers)
        if credential is None:
            return Rejection(
                "Send your own PagerDuty credential: Authorization: Token token=<user API key>, "
                "Authorization: Bearer <OAuth token>, or X-PagerDuty-Token: <user API key>.",
                challenge,
            )
        if len(credential.secret) > _MAX_SECRET_LENGTH or not credential.secret.isprintable():
            return Rejection("The PagerDuty credential is malformed.", f'{challenge}, error="invalid_token"')
        from_email = headers.get("from", "").strip() or None
        if from_email is not None and not _EMAIL.fullmatch(from_email):
            return Rejection(
                "The From header must be the email of a PagerDuty user (the user an account-level token acts as).",
                "",
                400,
            )
        # Not added to the log redaction list: callers are unbounded (anyone can send a new token
        # per request), and nothing logs a caller's secret; the audit line shows ``redacted``.
        return Caller(credential.redacted, credential, narrowing, from_email=from_email)


def pagerduty_credential(headers: Mapping[str, str]) -> Credential | None:
    """The caller's PagerDuty credential from ``Authorization`` or ``X-PagerDuty-Token``."""
    dedicated = headers.get(PAGERDUTY_TOKEN_HEADER, "").strip()
    if dedicated:
        return _parse_authorization(dedicated) or Credential(dedicated, "token")
    return _parse_authorization(headers.get("authorization", "").strip())


def _parse_authorization(value: str) -> Credential | None:
    scheme, _, rest = value.partition(" ")
    rest = rest.strip()
    if scheme.lower() == "token" and rest.lower().startswith("token="):
        secret = rest[len("token=") :].strip()
        return Credential(secret, "token") if secret else None
    if scheme.lower() == "bearer" and rest:
        return Credential(rest, "bearer")
    return None
