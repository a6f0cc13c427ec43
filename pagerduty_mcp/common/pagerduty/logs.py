"""Logging to stderr, with every known secret redacted from every record.

stdout belongs to JSON-RPC under stdio, so nothing here ever writes to it.
"""

from __future__ import annotations

import logging
import sys
import threading

__all__ = ["configure_logging", "redact", "register_secret"]

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Remember a secret (API key, OAuth token, routing key) so that logs never show it."""
    if secret and len(secret) >= 6:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "[REDACTED]")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
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
