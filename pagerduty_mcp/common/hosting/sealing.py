"""Sealing secrets at rest: signed-in users' PagerDuty tokens, encrypted with the server's key.

``PAGERDUTY_MCP_TOKEN_KEY`` holds one or more Fernet keys, comma-separated: the first seals, all
open, so a key can be rotated by putting the new one first. Every replica needs the same keys.
Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) is authenticated: a value changed in
the store does not open, it fails.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from pagerduty_mcp.common.pagerduty.logs import register_secret

__all__ = ["KEY_VARIABLE", "Sealer", "SealingError"]

log = logging.getLogger(__name__)

KEY_VARIABLE = "PAGERDUTY_MCP_TOKEN_KEY"
_HOW_TO = (
    "set PAGERDUTY_MCP_TOKEN_KEY to a Fernet key, the same on every replica; make one with "
    '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
)


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
        env = os.environ if env is None else env
        keys = [k.strip() for k in env.get(KEY_VARIABLE, "").split(",") if k.strip()]
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

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealingError(
                "a sealed token did not open: is PAGERDUTY_MCP_TOKEN_KEY the same on every replica?"
            ) from None
