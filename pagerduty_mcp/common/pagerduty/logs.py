"""Logging to stderr, with the operator's secrets and anything shaped like a routing key redacted.

stdout belongs to JSON-RPC under stdio, so nothing here ever writes to it.

Only secrets the operator configured are registered (the API key, OAuth client secret and app
token, server tokens): callers are unbounded and may send any text, so a caller's value never
joins the list (it would let one tenant blank out words in every tenant's log lines). Routing
keys, which callers do send, are masked by their shape instead; other secrets a caller sends
(webhook header values) are masked for that one call only (``masking``). Readers never take a lock: the
registered secrets live in one immutable matcher that writers replace whole.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["MAX_SECRETS", "configure_logging", "mask_key_shapes", "masking", "redact", "register_secret"]

REDACTED = "[REDACTED]"
# A guard, not a budget: the operator's secrets are a handful; a caller can never add one.
MAX_SECRETS = 256
_MIN_SECRET_LENGTH = 6
# Events API routing keys and integration keys: 32 hex digits, or "R0" and 30 letters or digits
# (event orchestration keys). Masked wherever they appear, whoever sent them.
_KEY_SHAPES = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{32}|R0[0-9A-Za-z]{30})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class _Matcher:
    slots: tuple[tuple[str, str], ...] = ()  # (slot, secret), oldest first
    pattern: re.Pattern[str] | None = None


_matcher = _Matcher()
# Secrets the caller sent in the call in progress: masked in its log lines and error texts only.
_call_secrets: ContextVar[tuple[str, ...]] = ContextVar("call_secrets", default=())
# Shorter than the operator's minimum: a caller's header value may be short, and is masked in one
# call's texts only, so a common word among them blanks little.
_MIN_CALL_SECRET_LENGTH = 4
_write_lock = threading.Lock()  # writers only; redact() reads ``_matcher`` once and never waits


def register_secret(secret: str | None, *, slot: str | None = None) -> None:
    """Remember one of the operator's secrets so that logs never show it.

    ``slot`` names a secret that is replaced over time (the OAuth app token): registering a new
    one drops the old, so renewals never grow the list. Never call this with a caller's value.
    """
    global _matcher
    if not secret or len(secret) < _MIN_SECRET_LENGTH:
        return
    with _write_lock:
        name = slot or f"value:{secret}"
        slots = (*(s for s in _matcher.slots if s[0] != name), (name, secret))
        if len(slots) > MAX_SECRETS:
            raise ValueError(f"more than {MAX_SECRETS} secrets to redact: only the operator's own belong here")
        # Longest first, so that a secret containing another is replaced whole.
        values = sorted({value for _, value in slots}, key=len, reverse=True)
        _matcher = _Matcher(slots, re.compile("|".join(re.escape(v) for v in values)))


@contextmanager
def masking(*values: str) -> Iterator[None]:
    """Within the block (and the worker threads it hands its context to), ``redact`` masks
    ``values``: secrets the caller sent that no answer, error or log line may show."""
    kept = tuple(sorted({v for v in values if len(v) >= _MIN_CALL_SECRET_LENGTH}, key=len, reverse=True))
    token = _call_secrets.set(_call_secrets.get() + kept)
    try:
        yield
    except BaseException as exc:
        # The error is logged or answered after the block: it leaves without the values.
        _scrub(exc, kept)
        raise
    finally:
        _call_secrets.reset(token)


def _scrub(exc: BaseException | None, values: tuple[str, ...]) -> None:
    def clean(text: str) -> str:
        for value in values:
            text = text.replace(value, REDACTED)
        return text

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen and values:
        seen.add(id(exc))
        exc.args = tuple(clean(a) if isinstance(a, str) else a for a in exc.args)
        if isinstance(getattr(exc, "message", None), str):
            exc.message = clean(exc.message)  # type: ignore[attr-defined]
        exc = exc.__cause__ or exc.__context__


def mask_key_shapes(text: str) -> str:
    """``text`` with every routing or integration key (by its shape) masked."""
    return _KEY_SHAPES.sub(REDACTED, text)


def redact(text: str, *also: str | None) -> str:
    """``text`` without the operator's secrets, key-shaped values, the call's ``masking`` values,
    or the values in ``also`` (e.g. the caller's own credential, masked in this one text and never
    remembered)."""
    matcher = _matcher
    if matcher.pattern is not None:
        text = matcher.pattern.sub(REDACTED, text)
    for value in also:
        if value and len(value) >= _MIN_SECRET_LENGTH:
            text = text.replace(value, REDACTED)
    for value in _call_secrets.get():
        text = text.replace(value, REDACTED)
    return mask_key_shapes(text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        except Exception:  # a log line must never turn a result into an error
            # Whatever failed (a bad format string, an argument whose str() raises), drop the
            # record's content rather than risk an unredacted secret or an exception in the caller.
            record.msg, record.args, record.exc_info, record.exc_text = (
                "(log record withheld: it failed to format)",
                (),
                None,
                None,
            )
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send all logs to stderr at ``level`` and redact secrets from every handler's output."""
    root = logging.getLogger()
    if not any(getattr(h, "_pagerduty_mcp", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._pagerduty_mcp = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for existing in root.handlers:
        if not any(isinstance(f, _RedactingFilter) for f in existing.filters):
            existing.addFilter(_RedactingFilter())
    root.setLevel(level.upper())
    # httpx2 logs every request URL at INFO; PagerDuty URLs are not secret but are noise.
    logging.getLogger("httpx2").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("pagerduty").setLevel(max(logging.WARNING, root.level))
