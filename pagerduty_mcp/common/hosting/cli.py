"""The command line every server shares: one typer app, the same flags for every area.

Its options are the fields of :class:`~pagerduty_mcp.common.hosting.options.ServeOptions`, each
declared there once (flag, variable, default, help); this module only adds ``--version`` and fills
the names of the server's toolsets into the help.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from pagerduty_mcp import __version__
from pagerduty_mcp.common.hosting import startup
from pagerduty_mcp.common.hosting.options import SECRETS, TOOLSETS, ServeOptions, declared_options
from pagerduty_mcp.common.toolkit.area import Area

__all__ = ["build_app"]


def build_app(command: str, areas: Sequence[Area], *, help_text: str | None = None) -> typer.Typer:
    """The command-line entry point of a server: same flags for every area. Its help says what the
    areas hold (their summaries) unless ``help_text`` says otherwise."""
    if help_text is None:
        help_text = f"PagerDuty MCP server for {'; '.join(area.summary for area in areas)}."
    app = typer.Typer(add_completion=False, help=help_text, rich_markup_mode=None, pretty_exceptions_enable=False)
    toolset_names = ", ".join(area.name for area in areas)

    def version_callback(value: bool) -> None:
        if value:
            typer.echo(f"{command} {__version__}")
            raise typer.Exit()

    def serve(**given: Any) -> None:
        given.pop("version", None)
        startup.serve(command, areas, ServeOptions(**given))

    parameters = [
        _parameter(field.name, field.default, declared, toolset_names) for field, declared in declared_options()
    ]
    version = typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit.")
    parameters.append(_keyword("version", False, Annotated[bool, version]))
    # typer reads a command's options from its signature: this one is the declaration's.
    serve.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    serve.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    app.command(help=help_text, epilog=_secrets_epilog())(serve)
    return app


def _parameter(name: str, default: Any, declared: Any, toolset_names: str) -> inspect.Parameter:
    """A command parameter from an option's declaration, its help naming this server's toolsets."""
    filled: list[Any] = []
    for item in declared.__metadata__:
        if isinstance(item, typer.models.OptionInfo) and TOOLSETS in (item.help or ""):
            item = copy.copy(item)
            item.help = (item.help or "").replace(TOOLSETS, toolset_names)
        filled.append(item)
    return _keyword(name, default, Annotated[(declared.__origin__, *filled)])


def _keyword(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _secrets_epilog() -> str:
    # "\b" keeps click from joining the lines into one paragraph.
    width = max(len(secret.variable) for secret in SECRETS)
    lines = [f"  {secret.variable:<{width}}  {secret.help}" for secret in SECRETS]
    return "Secrets are read from the environment only, never from the command line:\n\n\b\n" + "\n".join(lines)
