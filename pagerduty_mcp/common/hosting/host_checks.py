"""Host and Origin checks that parse what they compare.

The SDK's ``TransportSecurityMiddleware`` compares by prefix: an allowed ``http://localhost:*``
let ``http://localhost:1@evil.com`` through (a user ``localhost``, a password ``1``, the host
``evil.com``). Here both headers are parsed first: a Host is ``name[:port]`` or ``[IPv6][:port]``,
an Origin is ``scheme://`` and such an authority, nothing more (no user information, path, query or
fragment); anything else is refused. Then scheme, name (case-insensitively) and port are compared
with the allow-lists, whose entries read the same way, ``:*`` meaning any port.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from mcp.server.transport_security import TransportSecurityMiddleware

__all__ = ["StrictTransportSecurity", "bind_address", "split_authority", "split_origin", "url_host"]

log = logging.getLogger(__name__)

_PORT = re.compile(r"[0-9]{1,5}")
_NAME = re.compile(r"[A-Za-z0-9._-]+")
_ORIGIN = re.compile(r"(https?)://([^/?#]*)")
_ANY_PORT = "*"


def bind_address(host: str) -> str:
    """What to bind: an IPv6 literal without the brackets a URL gives it (``[::1]`` -> ``::1``)."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def url_host(host: str) -> str:
    """``host`` as a URL or a Host header writes it: an IPv6 literal in brackets."""
    bare = bind_address(host)
    return f"[{bare}]" if ":" in bare else bare


def split_authority(text: str, *, any_port: bool = False) -> tuple[str, str | None] | None:
    """``(name, port)`` of ``name[:port]`` or ``[IPv6][:port]`` (name lower-cased, port ``None``
    when absent, ``*`` where ``any_port`` allows it); ``None`` for anything else."""
    if text.startswith("["):
        end = text.find("]")
        name, rest = text[: end + 1], text[end + 1 :]
        try:
            ipaddress.IPv6Address(name[1:-1])
        except ValueError:
            return None
    else:
        name, colon, port = text.partition(":")
        rest = colon + port
        if not _NAME.fullmatch(name):
            return None
    if not rest:
        return name.lower(), None
    port = rest[1:]
    if rest[0] != ":" or not ((port == _ANY_PORT and any_port) or (_PORT.fullmatch(port) and 0 < int(port) < 65536)):
        return None
    return name.lower(), port


def split_origin(text: str, *, any_port: bool = False) -> tuple[str, str, str | None] | None:
    """``(scheme, name, port)`` of an Origin such as ``http://localhost:6274``; ``None`` otherwise."""
    match = _ORIGIN.fullmatch(text)
    if match is None:
        return None
    authority = split_authority(match[2], any_port=any_port)
    return None if authority is None else (match[1], *authority)


def _port_matches(allowed: str | None, given: str | None) -> bool:
    return given is not None if allowed == _ANY_PORT else allowed == given


class StrictTransportSecurity(TransportSecurityMiddleware):
    """The SDK's Host and Origin checks, with both headers parsed rather than prefix-matched."""

    def _validate_host(self, host: str | None) -> bool:
        given = split_authority(host or "")
        for entry in self.settings.allowed_hosts:
            allowed = split_authority(entry, any_port=True)
            if given and allowed and given[0] == allowed[0] and _port_matches(allowed[1], given[1]):
                return True
        log.warning("refused Host header %r", (host or "")[:100])
        return False

    def _validate_origin(self, origin: str | None) -> bool:
        if not origin:
            return True  # same-origin requests and non-browser clients send none
        given = split_origin(origin)
        for entry in self.settings.allowed_origins:
            allowed = split_origin(entry, any_port=True)
            if given and allowed and given[:2] == allowed[:2] and _port_matches(allowed[2], given[2]):
                return True
        log.warning("refused Origin header %r", origin[:100])
        return False
