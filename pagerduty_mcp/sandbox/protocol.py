"""PagerDuty's wire rules, shared by every sandbox route.

Requests arrive as :class:`ApiRequest` (method, path, ``key[]=``-aware query, headers, body) and
handlers answer with a plain JSON-able value, a :class:`Reply`, or raise :class:`ApiError`, which
becomes PagerDuty's error body ``{"error": {"message", "code", "errors"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CODE_ARGUMENTS_ERROR",
    "CODE_AUTHENTICATION",
    "CODE_FORBIDDEN",
    "CODE_INTERNAL",
    "CODE_INVALID_INPUT",
    "CODE_NOT_FOUND",
    "CODE_RATE_LIMIT",
    "MAX_LIMIT",
    "ApiError",
    "ApiRequest",
    "Reply",
    "bad_request",
    "error_body",
    "forbidden",
    "format_time",
    "matches_query",
    "not_found",
    "paginate_cursor",
    "paginate_offset",
    "parse_time",
    "parse_time_zone",
]

# PagerDuty's documented error codes (developer.pagerduty.com "Errors" page).
CODE_INTERNAL = 2000
CODE_INVALID_INPUT = 2001
CODE_ARGUMENTS_ERROR = 2002
CODE_AUTHENTICATION = 2006
CODE_FORBIDDEN = 2010
CODE_RATE_LIMIT = 2020
CODE_NOT_FOUND = 2100

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


class ApiError(Exception):
    """An error answer: status, PagerDuty code, message and detail strings."""

    def __init__(
        self,
        status: int,
        message: str,
        code: int = CODE_INVALID_INPUT,
        errors: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.errors = errors or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.code, self.errors)


def error_body(message: str, code: int, errors: list[str] | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "code": code, "errors": list(errors or [])}}


def not_found(kind: str, ident: str) -> ApiError:
    """404 for an unknown id, as PagerDuty answers it."""
    return ApiError(404, "Not Found", CODE_NOT_FOUND, [f"{kind} {ident} not found"])


def bad_request(message: str = "Invalid Input Provided", errors: list[str] | None = None) -> ApiError:
    return ApiError(400, message, CODE_INVALID_INPUT, errors or [])


def forbidden(message: str = "Access Denied", errors: list[str] | None = None) -> ApiError:
    return ApiError(403, message, CODE_FORBIDDEN, errors or [])


@dataclass
class Reply:
    """A non-default answer: another status, extra headers, or no body (``body=None``)."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ApiRequest:
    """One request as the routes see it. ``query`` maps each name to all its values."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)
    principal: Any = None  # set by the sandbox after authentication

    @classmethod
    def build(cls, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes) -> ApiRequest:
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        return cls(method.upper(), path, query, {k.lower(): v for k, v in headers.items()}, body)

    # -- query helpers -------------------------------------------------------------------------
    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def array(self, name: str) -> list[str]:
        """Values of ``name[]=`` (PagerDuty's array convention); bare ``name=`` is accepted too,
        and comma-separated values are split, as PagerDuty does for include[] and statuses[]."""
        values = self.query.get(f"{name}[]", []) + self.query.get(name, [])
        out: list[str] = []
        for value in values:
            out.extend(v for v in value.split(",") if v)
        return out

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.arg(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise bad_request(errors=[f"{name} must be true or false"])

    def integer(self, name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise bad_request(errors=[f"{name} must be an integer"]) from None
        if number < minimum or (maximum is not None and number > maximum):
            bound = f" and at most {maximum}" if maximum is not None else ""
            raise bad_request(errors=[f"{name} must be at least {minimum}{bound}"])
        return number

    def enum_array(self, name: str, allowed: tuple[str, ...] | list[str]) -> list[str]:
        values = self.array(name)
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise bad_request(errors=[f"{name}[] values {wrong} are not among {list(allowed)}"])
        return values

    def time(self, name: str) -> datetime | None:
        value = self.arg(name)
        if not value:
            return None
        return parse_time(value, name)

    # -- body helpers --------------------------------------------------------------------------
    def json(self) -> Any:
        if not self.body:
            raise bad_request(errors=["A JSON request body is required"])
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Invalid Input Provided", ["The request body is not valid JSON"]) from None

    def entity(self, wrapper: str) -> dict[str, Any]:
        """The object inside PagerDuty's request entity wrapper ``{"<wrapper>": {...}}``."""
        data = self.json()
        if not isinstance(data, dict) or not isinstance(data.get(wrapper), dict):
            raise bad_request(errors=[f'The request body must be an object wrapped as {{"{wrapper}": {{...}}}}'])
        return cast(dict[str, Any], data[wrapper])

    def require_from_header(self) -> str:
        """The ``From`` header (a user's email) that some writes need; 400 when it is missing."""
        value = self.headers.get("from", "").strip()
        if not value:
            raise bad_request(
                'You must specify a user\'s email address in the "From" header to perform this action',
                ['The "From" header is required'],
            )
        return value


# -- times ---------------------------------------------------------------------------------------
def parse_time(value: str, name: str = "time") -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400, "Invalid Input Provided", CODE_INVALID_INPUT, [f"{name} is not an ISO 8601 date-time"]
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def format_time(moment: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    """ISO 8601 with offset, seconds precision, in ``zone`` (UTC when omitted, written as ``Z``)."""
    if moment is None:
        return None
    if zone is None:
        return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def parse_time_zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(errors=[f"time_zone {name!r} is not a known IANA time zone"]) from None


# -- lists ---------------------------------------------------------------------------------------
def matches_query(query: str | None, *texts: str | None) -> bool:
    """PagerDuty's ``query`` filter: a case-insensitive substring of any of ``texts`` (all match
    when there is no query)."""
    if not query:
        return True
    lowered = query.lower()
    return any(t and lowered in t.lower() for t in texts)


def paginate_offset(items: Sequence[Any], req: ApiRequest, key: str, **extra: Any) -> dict[str, Any]:
    """Classic pagination: ``limit`` (1..100, default 25), ``offset``, ``more``, and ``total``
    only when ``total=true`` (``null`` otherwise, like PagerDuty)."""
    limit = req.integer("limit", DEFAULT_LIMIT, minimum=1)
    limit = min(limit, MAX_LIMIT)
    offset = req.integer("offset", 0, minimum=0)
    page = items[offset : offset + limit]
    return {
        key: page,
        "limit": limit,
        "offset": offset,
        "more": offset + len(page) < len(items),
        "total": len(items) if req.flag("total") else None,
        **extra,
    }


def paginate_cursor(items: Sequence[Any], req: ApiRequest, key: str, **extra: Any) -> dict[str, Any]:
    """Cursor pagination: ``limit`` and an opaque ``cursor``; ``next_cursor`` is null at the end."""
    limit = min(req.integer("limit", DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
    cursor = req.arg("cursor") or ""
    start = _decode_cursor(cursor) if cursor else 0
    page = items[start : start + limit]
    end = start + len(page)
    next_cursor = _encode_cursor(end) if end < len(items) else None
    return {key: page, "limit": limit, "next_cursor": next_cursor, **extra}


def _encode_cursor(position: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    import base64

    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("pos:"):
            raise ValueError(text)
        return max(0, int(text[4:]))
    except (ValueError, UnicodeDecodeError):
        raise bad_request(errors=["cursor is not a cursor this API returned"]) from None


def window(req: ApiRequest, default_since: datetime, default_until: datetime) -> tuple[datetime, datetime]:
    """``since``/``until`` with defaults; 400 when until is not after since."""
    since = req.time("since") or default_since
    until = req.time("until") or default_until
    if until < since:
        raise ApiError(400, "Invalid Input Provided", CODE_INVALID_INPUT, ["until must be after since"])
    return since, until
