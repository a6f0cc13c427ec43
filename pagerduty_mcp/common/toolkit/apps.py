"""MCP Apps (``io.modelcontextprotocol/ui``): views a host draws from a tool's result.

An area declares its apps next to its tools: ``App(name, title, description, draws=[...],
calls=[...], source=folder)``. Each one is a ``ui://pagerduty/<name>`` resource, one self-contained
HTML document assembled here from the area's ``<name>.html/.css/.js`` and the kit every app shares
(``app_kit/``): styles and scripts inline, a Content-Security-Policy that names each by its hash and
allows no network at all, declared again as ``_meta.ui.csp`` (no domains) for the host.

What a client sees depends on whether it declared the extension:

- A host that draws apps gets ``_meta.ui.resourceUri`` on the tools in ``draws``, the ``ui://``
  resources in ``resources/list``, and on those tools' results a ``_meta`` entry
  (:data:`RESULT_META`) with the tools the app may call for this caller, and whatever facts the tool
  added for the view alone (:func:`add_to_app_view`): the model never reads them.
- Any other client pays no byte: the same tools, definitions and answers as before.

The text answer (and ``structuredContent``, equal to it) is the same for both.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID, Apps, ResourceCsp, client_supports_apps
from mcp.server.context import ServerRequestContext

from pagerduty_mcp.common.toolkit.registry import spec_of

__all__ = [
    "APP_MIME_TYPE",
    "EXTENSION_ID",
    "RESULT_META",
    "App",
    "AppView",
    "add_to_app_view",
    "app_host",
    "apps_extension",
    "drawn_in_app",
    "host_draws_apps",
    "viewing",
]

URI_PREFIX = "ui://pagerduty/"
# The key of a result's _meta that carries what only the app reads (MCP's "prefix/name" form).
RESULT_META = "pagerduty-mcp/app"
KIT = Path(__file__).parent / "app_kit"

# A tool an app draws or calls: its function (same area) or its name.
ToolRef = Callable[..., Any] | str


def _name(ref: ToolRef) -> str:
    return ref if isinstance(ref, str) else spec_of(ref).name


@dataclass(frozen=True)
class App:
    """One view: the tools whose results it draws, the tools it calls back through the host, and the
    folder that holds its ``<name>.html`` (the body), ``<name>.css`` and ``<name>.js``."""

    name: str
    title: str
    description: str
    draws: Sequence[ToolRef]
    source: Path
    calls: Sequence[ToolRef] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", self.name):
            raise ValueError(f"app name {self.name!r}: lower-case letters, digits and hyphens")
        if not self.draws:
            raise ValueError(f"app {self.name} draws no tool's result")

    @property
    def uri(self) -> str:
        return URI_PREFIX + self.name

    @property
    def drawn_by(self) -> tuple[str, ...]:
        return tuple(_name(ref) for ref in self.draws)

    @property
    def callable_tools(self) -> tuple[str, ...]:
        """Every tool the app may call: what it draws (to refresh) and what it calls besides."""
        return tuple(dict.fromkeys([*self.drawn_by, *(_name(ref) for ref in self.calls)]))

    def html(self) -> str:
        return build_html(self.source, self.name, self.title)


def _compact(text: str, comment: str) -> str:
    """Leading whitespace, blank lines and whole-line comments left out: bytes a browser ignores.
    (Line breaks stay, so JavaScript's automatic semicolons still fall where they did.)"""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith(comment))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@functools.cache
def build_html(folder: Path, name: str, title: str) -> str:
    """The app as one HTML document: the kit's and the app's styles and scripts inline, and a
    policy that runs exactly those (by hash) and reaches nothing outside the document."""
    style = _compact((KIT / "kit.css").read_text() + (folder / f"{name}.css").read_text(), "/*")
    script = _compact((KIT / "kit.js").read_text() + (folder / f"{name}.js").read_text(), "//")
    body = _compact((folder / f"{name}.html").read_text(), "<!--")
    policy = (
        f"default-src 'none'; script-src {_sha256(script)}; style-src {_sha256(style)}; img-src data:; "
        "connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{style}</style></head>\n<body>\n{body}\n<script>{script}</script>\n</body></html>\n"
    )


def apps_extension(apps: Sequence[App]) -> Apps:
    """The SDK's Apps extension holding these apps' resources: it registers them, served as
    ``text/html;profile=mcp-app``, and advertises the extension in the server's capabilities."""
    extension = Apps()
    for app in apps:
        extension.add_html_resource(
            app.uri,
            app.html(),
            name=app.name,
            title=app.title,
            description=app.description,
            # No origin at all: the host's strictest policy (no connections, nothing loaded from outside).
            csp=ResourceCsp(connect_domains=[], resource_domains=[]),
            prefers_border=True,
        )
    return extension


# -- per message: does the caller's host draw apps, and what a call adds for its app -----------------

_HOST_DRAWS: ContextVar[bool] = ContextVar("pagerduty_mcp_host_draws_apps", default=False)


def _declares_apps(ctx: ServerRequestContext[Any, Any]) -> bool:
    try:
        return client_supports_apps(ctx)
    except AttributeError:  # a message with no session behind it (none today): no apps
        return False


@contextmanager
def app_host(ctx: ServerRequestContext[Any, Any]) -> Iterator[None]:
    """Around one message: whether its client declared the Apps extension (with HTML apps)."""
    token = _HOST_DRAWS.set(_declares_apps(ctx))
    try:
        yield
    finally:
        _HOST_DRAWS.reset(token)


def host_draws_apps() -> bool:
    return _HOST_DRAWS.get()


@dataclass
class AppView:
    """What a call adds for the app that draws its result, besides the answer the model reads."""

    facts: dict[str, Any] = field(default_factory=dict)


_VIEW: ContextVar[AppView | None] = ContextVar("pagerduty_mcp_app_view", default=None)


@contextmanager
def viewing(drawn: bool) -> Iterator[AppView | None]:
    """Around one tool call: a view to fill when an app will draw its result (``None`` otherwise).
    Tools run on worker threads with a copy of the context: they fill this same object."""
    view = AppView() if drawn else None
    token = _VIEW.set(view)
    try:
        yield view
    finally:
        _VIEW.reset(token)


def drawn_in_app() -> bool:
    """For a tool: whether an app draws this call's result, so facts for it are worth reading."""
    return _VIEW.get() is not None


def add_to_app_view(**facts: Any) -> None:
    """For a tool: facts only its app shows (they go in the result's ``_meta``, never to the model)."""
    view = _VIEW.get()
    if view is not None:
        view.facts.update(facts)
