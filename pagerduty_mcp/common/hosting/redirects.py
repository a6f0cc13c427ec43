"""Which redirect URIs a client may register: RFC 8252's rules and the operator's allow-list.

The code of a sign-in goes wherever the client's redirect URI says, so only addresses that cannot
hand a user's sign-in to a stranger, or that the operator named, are accepted:

- ``https`` to any host; to the hosts of ``--allowed-redirect-hosts`` only, once it is set;
- ``http`` to this computer: ``127.0.0.1``, ``[::1]`` or ``localhost``, any port (RFC 8252 §7.3),
  unless the operator turns loopback redirects off (``--no-loopback-redirects``);
- a private-use scheme named after a domain in reverse order (``com.example.app:/cb``, RFC 8252
  §7.1), which only an app installed on the user's device receives; a one-word scheme
  (``cursor:``) only when the allow-list names it (``cursor:``).

Never a scheme the browser acts on itself (``javascript:``, ``data:``, ``file:``, ``vbscript:``,
``blob:``, ``about:``), a fragment, a wildcard, user information (``https://good.example@evil``),
spaces or control characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_HOSTS", "MAX_REDIRECT_URI_LENGTH", "RedirectPolicy"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_REDIRECT_URI_LENGTH = 2000
# Schemes a browser handles itself, or that reach the network without TLS: never a redirect target.
_BROWSER_SCHEMES = frozenset(
    {"javascript", "data", "file", "vbscript", "blob", "about", "filesystem", "view-source", "ftp", "ws", "wss"}
)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_HOST = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_UNSAFE_CHARACTERS = re.compile(r"[\s\x00-\x1f\x7f*\\<>\"`{}|^]")


@dataclass(frozen=True)
class RedirectPolicy:
    """What this server accepts as a client's redirect URI (see the module docstring)."""

    hosts: tuple[str, ...] = ()  # https hosts: exact names, or "*.example.com"; empty: any host
    schemes: tuple[str, ...] = ()  # one-word private-use schemes the operator allows
    loopback: bool = True

    @classmethod
    def parse(cls, allowed: str | None, *, loopback: bool = True) -> RedirectPolicy:
        """From ``--allowed-redirect-hosts`` (``ValueError`` naming a malformed entry)."""
        hosts: list[str] = []
        schemes: list[str] = []
        for raw in (allowed or "").split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            if entry.endswith(":") and _SCHEME.fullmatch(entry[:-1]):
                if entry[:-1] in _BROWSER_SCHEMES or entry[:-1] in ("http", "https"):
                    raise ValueError(f"--allowed-redirect-hosts: {entry!r} can never be a redirect scheme")
                schemes.append(entry[:-1])
            elif _HOST.fullmatch(entry):
                hosts.append(entry)
            else:
                raise ValueError(
                    f"--allowed-redirect-hosts: {raw.strip()!r} is neither a host name (mcp.example.com, "
                    "*.example.com) nor a private-use scheme (cursor:)"
                )
        return cls(tuple(hosts), tuple(schemes), loopback)

    def refusal(self, uri: str) -> str | None:
        """Why ``uri`` may not be a redirect URI here, in words for the client; ``None`` if it may."""
        if len(uri) > MAX_REDIRECT_URI_LENGTH:
            return f"a redirect URI is at most {MAX_REDIRECT_URI_LENGTH} characters long"
        if "#" in uri:
            return f"{_shown(uri)} has a fragment, which a redirect URI must not have (RFC 6749 §3.1.2)"
        if _UNSAFE_CHARACTERS.search(uri):
            return f"{_shown(uri)} contains a wildcard, a space or a character a URI may not hold"
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if not _SCHEME.fullmatch(scheme):
            return f"{_shown(uri)} is not an absolute URI"
        if scheme in _BROWSER_SCHEMES:
            return f"{scheme}: URIs are never accepted as redirect URIs"
        if "@" in parts.netloc:
            return f"{_shown(uri)} carries user information (the part before @), which hides where it goes"
        try:
            parts.port  # noqa: B018 (raises on a port that is not a number in range)
        except ValueError:
            return f"{_shown(uri)} has an invalid port"
        host = (parts.hostname or "").lower()
        if scheme in ("http", "https") and host in LOOPBACK_HOSTS:
            if not self.loopback:
                return "this server does not accept redirects to loopback addresses (--no-loopback-redirects)"
            return None
        if scheme == "http":
            return (
                f"{_shown(uri)} uses http to another computer: use https, or http to 127.0.0.1, [::1] or "
                "localhost (RFC 8252 §7.3)"
            )
        if scheme == "https":
            if not host:
                return f"{_shown(uri)} has no host"
            if self.hosts and not any(_host_matches(host, allowed) for allowed in self.hosts):
                return (
                    f"redirects to {host} are not allowed on this server: its operator allows "
                    f"{', '.join(self.hosts)} (--allowed-redirect-hosts)"
                )
            return None
        if "." in scheme or scheme in self.schemes:
            return None  # a private-use scheme: only an app on the user's device receives it
        return (
            f"{scheme}: is not a private-use scheme in reverse-domain form such as com.example.app: (RFC 8252 "
            f"§7.1); the operator can allow it with --allowed-redirect-hosts {scheme}:"
        )


def _host_matches(host: str, allowed: str) -> bool:
    if allowed.startswith("*."):
        return host.endswith(allowed[1:]) and len(host) > len(allowed) - 1
    return host == allowed


def _shown(uri: str) -> str:
    return repr(uri if len(uri) <= 120 else uri[:120] + "…")
