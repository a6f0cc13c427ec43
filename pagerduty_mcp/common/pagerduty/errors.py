"""Tool errors with stable codes, and the mapping from PagerDuty's errors to them."""

from __future__ import annotations

import email.utils
import math
import re
import ssl
import time
from datetime import UTC, datetime
from typing import Any

import httpx2
import pagerduty

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.kinds import kind_in_path
from pagerduty_mcp.common.pagerduty.logs import redact
from pagerduty_mcp.common.pagerduty.text import clean_text

__all__ = [
    "ERROR_CODES",
    "ToolFailure",
    "credential_advice",
    "failure_from_exception",
    "from_email_advice",
    "invalid",
    "not_found",
    "quotes_outside_text",
    "retry_after_seconds",
    "tls_failure",
    "when_to_retry",
]

# The codes are part of the public contract: the README documents them and clients may branch on them.
ERROR_CODES: dict[str, str] = {
    "INVALID_PARAMETER": "An argument is missing, malformed, out of range or conflicts with another.",
    "UNAUTHORIZED": "The PagerDuty credential is missing, wrong, expired or for another region.",
    "FORBIDDEN": "The credential is valid but may not do this (role, plan or OAuth scope).",
    "<RESOURCE>_NOT_FOUND": "No object with that id, e.g. INCIDENT_NOT_FOUND, SERVICE_NOT_FOUND.",
    "CONFLICT": "The object changed or is in a state that does not allow this change.",
    "RATE_LIMITED": "PagerDuty's rate limit was hit and the capped wait ran out; retry later.",
    "UPSTREAM_ERROR": "PagerDuty answered with a server error or could not be reached.",
    "TIMEOUT": "PagerDuty did not answer in time.",
    "WRITE_OUTCOME_UNKNOWN": "A write was sent but its result is unknown; check before retrying.",
    "PARTIAL_FAILURE": "Some items of a bulk change failed; the error lists which.",
    "FROM_EMAIL_REQUIRED": "The write needs a user email (From header) the token cannot supply.",
    "NO_CURRENT_USER": "The token is account-level, so there is no current user.",
    "EVENTS_API_ERROR": "The Events API rejected the event.",
    "CANCELLED": "The client cancelled the call; a bulk change says which items it changed first.",
    "DECLINED": "The person declined the confirmation: nothing was sent, nothing changed.",
    "CANCELLED_BY_USER": "The person dismissed the confirmation: nothing was sent, nothing changed.",
    "CONFIRMATION_REQUIRED": "The server asks the person first (--confirm-writes require); this client cannot.",
    "CONFIRMATION_FAILED": "The client's answer to the confirmation could not be read; nothing was sent.",
    "INTERNAL_ERROR": "An unexpected failure inside the server; the log on stderr has details.",
}

_UPSTREAM_TEXT_LIMIT = 300


class ToolFailure(Exception):
    """An anticipated failure: becomes an ``isError`` result with a stable code.

    ``untrusted``: the message or details quote text from outside (names, titles) that the answer
    must mark as data; PagerDuty's own words are found without it (:func:`quotes_outside_text`).
    """

    def __init__(
        self, code: str, message: str, details: dict[str, Any] | None = None, *, untrusted: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.untrusted = untrusted


# PagerDuty joins its message and errors with "; ". A piece is recognised by its start, however
# the failure was reworded around it; pieces shorter than this are its fixed words ("Not Found").
_PIECE_START = 40
_PIECE_MIN = 12


def quotes_outside_text(failure: ToolFailure) -> bool:
    """Whether ``failure`` says something from outside the server: marked so by whoever built it,
    or quoting an error text PagerDuty sent during this message (which may echo an incident title
    or any other free text), however the failure was reworded on its way up."""
    if failure.untrusted:
        return True
    said = failure.message + (repr(failure.details) if failure.details else "")
    return any(
        piece[:_PIECE_START] in said
        for text in current_request().memo.upstream_texts
        for piece in (p.strip() for p in text.split("; "))
        if len(piece) >= _PIECE_MIN
    )


def _caller_brings_credential() -> bool:
    """Whether the message runs with its caller's own PagerDuty credential (--auth pagerduty or
    oauth), whose advice must name what the caller can change, never the server's settings."""
    return current_request().credential is not None


def credential_advice() -> str:
    """What to check when PagerDuty refuses the credential, said to whoever can change it."""
    if _caller_brings_credential():
        return (
            "Check the PagerDuty credential your client sends (its Authorization or X-PagerDuty-Token "
            "header: a user API key or an OAuth token), or sign in again."
        )
    return "Check PAGERDUTY_USER_API_KEY (or the OAuth token) and PAGERDUTY_API_HOST for your region."


def from_email_advice() -> str:
    """How to name the user an account-level token acts as, said to whoever can: a caller with its
    own token sends a ``From`` header; the operator of a server with its own sets a variable."""
    if _caller_brings_credential():
        return "Send a From: <email of a PagerDuty user> header with each request to act as that user."
    return "Set PAGERDUTY_USER_EMAIL to the email of the user to act as."


def invalid(parameter: str, message: str) -> ToolFailure:
    """An ``INVALID_PARAMETER`` failure naming the parameter at fault."""
    return ToolFailure("INVALID_PARAMETER", f"{parameter}: {message}", {"parameters": [parameter]})


def not_found(resource: str, ident: str, hint: str) -> ToolFailure:
    """A ``<RESOURCE>_NOT_FOUND`` failure; ``hint`` names the tool that finds valid ids."""
    code = f"{_resource_code(resource)}_NOT_FOUND"
    return ToolFailure(code, f"No {resource.replace('_', ' ')} with id {clean_text(ident, 80)}; {hint}")


def _resource_code(resource: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", resource.upper()).strip("_")


def resource_from_path(path: str) -> str:
    """Name the object a request path points at (``/incidents/P1/alerts/P2`` is an alert), as the
    table of kinds knows it; ``resource`` for a path of no known kind."""
    kind = kind_in_path(httpx2.URL(path).path)
    return kind.noun.replace(" ", "_") if kind is not None else "resource"


def upstream_message(response: httpx2.Response) -> str:
    """PagerDuty's own words from an error body, sanitised and cut; never the raw body, and never
    a credential (the operator's, the caller's, or the one the request carried) it may echo."""
    try:
        body = response.json()
    except ValueError:
        return _sanitise(response.text, response) if response.text else ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        parts = [str(error.get("message", ""))]
        details = error.get("errors") or []
        if isinstance(details, dict):  # the v3 APIs map a field to its messages
            details = [f"{field}: {'; '.join(map(str, said))}" for field, said in details.items()]
        parts += [str(e) for e in details]
        text = "; ".join(p for p in parts if p)
    elif isinstance(error, str):
        text = error
    elif isinstance(body, dict) and body.get("message"):
        # The Events API's shape: {"status", "message", "errors"}.
        text = "; ".join([str(body["message"]), *map(str, body.get("errors", []) or [])])
    else:
        text = ""
    return _sanitise(text, response)


def _sanitise(text: str, response: httpx2.Response) -> str:
    # Masked before the cut too, so that no secret survives as a prefix at the cut.
    secrets = _secrets_in_play(response)
    said = redact(clean_text(redact(text, *secrets), _UPSTREAM_TEXT_LIMIT), *secrets)
    if said.strip():
        current_request().memo.upstream_texts.append(said)
    return said


def _secrets_in_play(response: httpx2.Response) -> tuple[str, ...]:
    """The caller's credential and the one the request was sent with (the server's own, even in
    sandbox and test setups where it is never registered): an upstream that echoes headers shows them."""
    found: list[str] = []
    credential = current_request().credential
    if credential is not None:
        found.append(credential.secret)
    sent = response.request.headers.get("authorization", "") if response.request is not None else ""
    scheme, _, value = sent.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "token" and value.lower().startswith("token="):
        value = value[len("token=") :]
    if value:
        found.append(value)
    return tuple(found)


def retry_after_seconds(response: httpx2.Response, now: float | None = None) -> float | None:
    """Seconds PagerDuty asks us to wait (``Retry-After`` as seconds or an HTTP date, else
    ``ratelimit-reset``); ``None`` when neither is there and readable. May be zero or negative."""
    for header in ("retry-after", "ratelimit-reset"):
        raw = (response.headers.get(header) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = _seconds_until_date(raw, now) if header == "retry-after" else math.nan
        if math.isfinite(value):
            return value
    return None


def _seconds_until_date(raw: str, now: float | None) -> float:
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return math.nan
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - (time.time() if now is None else now)


def when_to_retry(seconds: float | None, now: float | None = None) -> tuple[str, dict[str, Any]]:
    """A sentence saying when to retry, as a delay and a UTC time; never the raw header."""
    if seconds is None or seconds <= 0:
        return "PagerDuty gave no usable time to wait: retry in a few seconds.", {}
    wait = math.ceil(seconds)
    at = datetime.fromtimestamp((time.time() if now is None else now) + wait, UTC)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"Retry in {wait} s (at {stamp}).", {"retry_after_seconds": wait, "retry_at": stamp}


def failure_from_response(response: httpx2.Response, *, write: bool = False) -> ToolFailure:
    """Turn a non-success PagerDuty response into a tool failure with a useful next step."""
    status = response.status_code
    said = upstream_message(response)
    quoted = f' PagerDuty said: "{said}"' if said else ""
    path = response.request.url.path if response.request is not None else ""
    if status == 400 or status == 422:
        return ToolFailure("INVALID_PARAMETER", f"PagerDuty rejected the request.{quoted} Fix the arguments.")
    if status == 401:
        return ToolFailure("UNAUTHORIZED", f"PagerDuty did not accept the credential. {credential_advice()}")
    if status == 402:
        return ToolFailure("FORBIDDEN", f"This feature is not available on the account's plan.{quoted}")
    if status == 403:
        return ToolFailure(
            "FORBIDDEN",
            f"The credential may not do this (role or OAuth scope).{quoted} Ask an admin for access.",
        )
    if status == 404:
        resource = resource_from_path(path)
        return ToolFailure(
            f"{_resource_code(resource)}_NOT_FOUND",
            f"PagerDuty has no {resource.replace('_', ' ')} at that id.{quoted} Use a list tool to find valid ids.",
        )
    if status == 409:
        return ToolFailure(
            "CONFLICT", f"The change conflicts with the object's current state.{quoted} Read it again, then retry."
        )
    if status == 429:
        when, details = when_to_retry(retry_after_seconds(response))
        return ToolFailure(
            "RATE_LIMITED", f"PagerDuty's rate limit was reached and the capped wait ran out. {when}", details
        )
    if write and status >= 500:
        return ToolFailure(
            "WRITE_OUTCOME_UNKNOWN",
            f"PagerDuty answered {status} to a write, which may or may not have been applied.{quoted} "
            "Read the object to check before trying again.",
        )
    return ToolFailure("UPSTREAM_ERROR", f"PagerDuty answered {status}.{quoted} Try again in a moment.")


def failure_from_exception(exc: BaseException) -> ToolFailure | None:
    """Map errors raised by the ``pagerduty`` library or httpx2; ``None`` if not ours to map."""
    if isinstance(exc, ToolFailure):
        return exc
    if isinstance(exc, pagerduty.HttpError) and exc.response is not None:
        method = exc.response.request.method if exc.response.request is not None else "GET"
        return failure_from_response(exc.response, write=method not in ("GET", "HEAD"))
    if isinstance(exc, httpx2.InvalidURL):
        # A value too long for any URL (a 200 kB query): the arguments' fault, not ours.
        return ToolFailure(
            "INVALID_PARAMETER",
            f"The arguments do not fit in a PagerDuty request ({clean_text(str(exc), 80)}). Shorten the query, "
            "cursor or filter values.",
        )
    if isinstance(exc, httpx2.TimeoutException):
        return ToolFailure("TIMEOUT", "PagerDuty did not answer in time. Try again in a moment.")
    if isinstance(exc, httpx2.TransportError):
        tls = tls_failure(exc)
        if tls is not None:
            return tls
        return ToolFailure("UPSTREAM_ERROR", "PagerDuty could not be reached (network error). Try again in a moment.")
    return None


def tls_failure(exc: BaseException) -> ToolFailure | None:
    """The failure for a TLS handshake that failed (an untrusted or wrong certificate), which no
    retry can mend; ``None`` for any other network error."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "verify_message", None) or getattr(cause, "reason", None) or type(cause).__name__
            return _tls(str(reason))
        cause = cause.__cause__ or cause.__context__
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return _tls("certificate verify failed")
    return None


def _tls(reason: str) -> ToolFailure:
    reason = clean_text(reason, 120)
    return ToolFailure(
        "UPSTREAM_ERROR",
        f"PagerDuty's TLS certificate was not accepted ({reason}), so nothing was sent. If a proxy or a "
        "private certificate authority sits in between, set SSL_CERT_FILE to a CA bundle that includes "
        "it; otherwise check PAGERDUTY_API_HOST.",
        {"tls": reason},
    )
