"""Sealing with the server's key: signed-in users' PagerDuty tokens at rest, and confirmations in flight.

``PAGERDUTY_MCP_TOKEN_KEY`` holds one or more Fernet keys, comma-separated: the first seals, all
open, so a key can be rotated by putting the new one first. Every replica needs the same keys.
Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) is authenticated: a value changed in
the store does not open, it fails.

The same keys seal the request state of a confirmation asked over stateless HTTP (the SDK's
AES-GCM, under a key it derives from ours for that use alone), so that the replica that takes the
person's answer opens what another replica asked. Without them, each process uses a key of its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from mcp.server.context import ServerRequestContext
from mcp.server.request_state import RequestStateSecurity

from pagerduty_mcp.common.pagerduty.logs import register_secret

__all__ = ["KEY_VARIABLE", "Sealer", "SealingError", "request_state_security", "token_keys"]

log = logging.getLogger(__name__)

KEY_VARIABLE = "PAGERDUTY_MCP_TOKEN_KEY"
_HOW_TO = (
    "set PAGERDUTY_MCP_TOKEN_KEY to a Fernet key, the same on every replica; make one with "
    '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
)


def token_keys(env: Mapping[str, str] | None = None) -> list[str]:
    """The keys in ``PAGERDUTY_MCP_TOKEN_KEY``, the sealing one first."""
    env = os.environ if env is None else env
    return [k.strip() for k in env.get(KEY_VARIABLE, "").split(",") if k.strip()]


def request_state_security(
    principal: Callable[[ServerRequestContext[Any, Any]], str | None], env: Mapping[str, str] | None = None
) -> RequestStateSecurity:
    """How confirmations in flight are sealed: with the server's keys when set (any replica opens
    them), else with a key of this process; bound to the caller ``principal`` names."""
    keys = token_keys(env)
    if keys:
        Sealer(keys)  # the same check and the same redaction as for tokens
        return RequestStateSecurity(keys=keys, bind_principal=principal)
    return RequestStateSecurity(keys=[os.urandom(32)], bind_principal=principal)


class SealingError(Exception):
    """A sealed value did not open: another key sealed it, or it was changed."""


class Sealer:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError(f"no token key: {_HOW_TO}")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError:
            raise ValueError(f"{KEY_VARIABLE} is not a valid Fernet key: {_HOW_TO}") from None
        for key in keys:
            register_secret(key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, ephemeral_ok: bool = False) -> Sealer:
        """Keys from ``PAGERDUTY_MCP_TOKEN_KEY``; a throwaway key when allowed (the sandbox) and unset."""
        keys = token_keys(env)
        if not keys and ephemeral_ok:
            log.warning(
                "%s is not set: sign-ins are sealed with a throwaway key and end when this process does", KEY_VARIABLE
            )
            keys = [Fernet.generate_key().decode()]
        if not keys:
            raise ValueError(f"--auth oauth stores PagerDuty tokens encrypted: {_HOW_TO}")
        return cls(keys)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str, max_age_seconds: int | None = None) -> str:
        """The secret in ``sealed``; with ``max_age_seconds``, only if sealed that recently."""
        try:
            return self._fernet.decrypt(sealed.encode(), ttl=max_age_seconds).decode()
        except InvalidToken:
            raise SealingError(
                "a sealed token did not open: is PAGERDUTY_MCP_TOKEN_KEY the same on every replica?"
            ) from None
