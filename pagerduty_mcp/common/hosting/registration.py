"""Dynamic client registration (RFC 7591), bounded: what a client may register, and how often.

Anyone who reaches ``/register`` may register a client; nothing proves who they are. So each
registration is small (its metadata at most :data:`MAX_METADATA_BYTES`, a ``client_name`` of at
most :data:`MAX_CLIENT_NAME_CHARACTERS`, at most :data:`MAX_REDIRECT_URIS` redirect URIs, each one
allowed by the :class:`~pagerduty_mcp.common.hosting.redirects.RedirectPolicy`), each address
registers at most ``per_hour`` clients an hour (an IPv6 address counts with its /64), and all
addresses together at most :data:`ALL_REGISTRATIONS_PER_HOUR`. A client that never completes a
sign-in is forgotten after :data:`UNUSED_CLIENT_SECONDS`, so the clients waiting for a first
sign-in are bounded by the global rate: never more than about ``ALL_REGISTRATIONS_PER_HOUR * 4/3``
of them, whatever the number of addresses.

The counts live in the same buckets as the request budget (``budget``): in Redis when the
server has one, so every replica counts against the same limit.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pagerduty_mcp.common.hosting.budget import Bucket
from pagerduty_mcp.common.hosting.redirects import RedirectPolicy

__all__ = [
    "ALL_REGISTRATIONS_PER_HOUR",
    "DEFAULT_REGISTRATIONS_PER_HOUR",
    "MAX_CLIENT_NAME_CHARACTERS",
    "MAX_METADATA_BYTES",
    "MAX_REDIRECT_URIS",
    "UNUSED_CLIENT_SECONDS",
    "RegistrationLimit",
    "address_key",
    "bounded_registration",
    "metadata_refusal",
]

MAX_METADATA_BYTES = 8 * 1024
MAX_CLIENT_NAME_CHARACTERS = 200
MAX_REDIRECT_URIS = 5
UNUSED_CLIENT_SECONDS = 3600.0
DEFAULT_REGISTRATIONS_PER_HOUR = 30
ALL_REGISTRATIONS_PER_HOUR = 2000

Handler = Callable[[Request], Awaitable[Response]]


def address_key(host: str | None) -> str:
    """Whom a registration is counted against: the IPv4 address, or the /64 of an IPv6 one (a
    single machine is usually given a whole /64)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if isinstance(address, ipaddress.IPv6Address) else str(address)


def metadata_refusal(body: bytes, policy: RedirectPolicy) -> tuple[str, str] | None:
    """``(error, description)`` when the metadata may not be registered; ``None`` when it may go
    on to the SDK's own checks. Only what the SDK does not bound is checked here."""
    if len(body) > MAX_METADATA_BYTES:
        return "invalid_client_metadata", f"client metadata is at most {MAX_METADATA_BYTES} bytes (got {len(body)})"
    try:
        metadata: Any = json.loads(body)
    except ValueError:
        return "invalid_client_metadata", "client metadata must be a JSON object"
    if not isinstance(metadata, dict):
        return "invalid_client_metadata", "client metadata must be a JSON object"
    name = metadata.get("client_name")
    if name is not None and not isinstance(name, str):
        return "invalid_client_metadata", "client_name must be a string"
    if isinstance(name, str) and len(name) > MAX_CLIENT_NAME_CHARACTERS:
        return (
            "invalid_client_metadata",
            f"client_name is at most {MAX_CLIENT_NAME_CHARACTERS} characters (got {len(name)})",
        )
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        return "invalid_redirect_uri", "redirect_uris must be a non-empty list of URIs"
    if len(uris) > MAX_REDIRECT_URIS:
        return "invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect URIs (got {len(uris)})"
    for uri in uris:
        refused = policy.refusal(uri)
        if refused is not None:
            return "invalid_redirect_uri", refused
    return None


class RegistrationLimit:
    """Registrations per address and hour, and for all addresses together (token buckets)."""

    def __init__(self, buckets: Bucket, per_hour: int, all_per_hour: int = ALL_REGISTRATIONS_PER_HOUR) -> None:
        if per_hour < 1:
            raise ValueError(f"--max-registrations-per-hour must be at least 1 (got {per_hour})")
        self.buckets = buckets
        self.per_hour = per_hour
        self.all_per_hour = all_per_hour

    async def refusal(self, address: str) -> tuple[float, str] | None:
        """``None`` when ``address`` may register now (and it is counted); else the seconds until it
        may, and why."""
        return await anyio.to_thread.run_sync(self._take, address)

    def _take(self, address: str) -> tuple[float, str] | None:
        wait = self.buckets.take(f"register:{address}", *_bucket(self.per_hour))
        if wait > 0:
            return wait, f"Too many client registrations from this address (at most {self.per_hour} an hour)"
        wait = self.buckets.take("register:*", *_bucket(self.all_per_hour))
        if wait > 0:
            return wait, f"Too many client registrations on this server (at most {self.all_per_hour} an hour)"
        return None


def _bucket(per_hour: int) -> tuple[float, float]:
    """A burst of a third of the hourly number, refilled evenly over the hour."""
    return max(1.0, float(per_hour // 3)), per_hour / 3600.0


def bounded_registration(sdk_handler: Handler, policy: RedirectPolicy, limit: RegistrationLimit) -> Handler:
    """``/register``: our bounds first, then the SDK's handler (which reads the body we already read)."""

    async def register(request: Request) -> Response:
        refused = metadata_refusal(await request.body(), policy)
        if refused is not None:
            error, description = refused
            return JSONResponse({"error": error, "error_description": description}, 400, _NO_STORE)
        limited = await limit.refusal(address_key(request.client.host if request.client else None))
        if limited is not None:
            seconds = max(1, math.ceil(limited[0]))
            said = f"{limited[1]}: try again in {seconds} s, or reuse the client you registered before."
            headers = {**_NO_STORE, "Retry-After": str(seconds)}
            return JSONResponse({"error": "rate_limited", "error_description": said}, 429, headers)
        return await sdk_handler(request)

    return register


_NO_STORE = {"Cache-Control": "no-store"}
