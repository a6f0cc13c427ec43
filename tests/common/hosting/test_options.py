"""Every option is declared once, in ``ServeOptions``: each server's command line is made from the
declaration (flag, variable, default, help), every flag and every variable fills its field, and the
README names each option as declared."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
import typer
from typer.testing import CliRunner

import pagerduty_mcp.server
from pagerduty_mcp.common.hosting import startup
from pagerduty_mcp.common.hosting.options import SECRETS, ServeOptions, declared_options, envvar_of

pytestmark = [pytest.mark.unit, pytest.mark.common]

README = (Path(__file__).parents[3] / "README.md").read_text()


def _option_info(declared: Any) -> typer.models.OptionInfo:
    return next(m for m in declared.__metadata__ if isinstance(m, typer.models.OptionInfo))


def _flags(declared: Any) -> list[str]:
    """The flags an option's declaration spells: ``--metrics/--no-metrics`` is two."""
    info = _option_info(declared)
    return [flag for decl in (info.default, *(info.param_decls or ())) for flag in str(decl).split("/")]


def _command(app: typer.Typer) -> Any:
    return typer.main.get_command(app)


def _areas_commands() -> list[tuple[str, Any]]:
    from importlib import import_module

    commands = [("pagerduty-mcp", _command(pagerduty_mcp.server.app))]
    for area in pagerduty_mcp.server.AREAS:
        module = import_module(f"{pagerduty_mcp.server.area_module(area.name)}.server")
        commands.append((area.command, _command(module.app)))
    return commands


def test_every_server_command_is_made_of_the_declared_options() -> None:
    declared = declared_options()
    assert len(declared) >= 30
    for name, command in _areas_commands():
        params = {p.name: p for p in command.params}
        assert set(params) == {field.name for field, _ in declared} | {"version"}, name
        for field, kind in declared:
            param, info = params[field.name], _option_info(kind)
            assert isinstance(param, typer.core.TyperOption)
            assert [*param.opts, *param.secondary_opts] == _flags(kind), field.name
            assert param.envvar == info.envvar == envvar_of(field.name)
            assert param.default == (field.default.value if isinstance(field.default, Enum) else field.default)
            assert param.help is not None and "{" not in param.help, field.name  # the toolsets are filled in


def test_each_server_names_its_own_toolsets_in_the_help() -> None:
    for name, command in _areas_commands():
        toolsets = next(p for p in command.params if p.name == "toolsets")
        assert isinstance(toolsets, typer.core.TyperOption) and toolsets.help is not None
        if name == "pagerduty-mcp":
            assert "incidents, services, people, aiops" in toolsets.help
        else:
            assert f"(of: {name.removeprefix('pagerduty-')})" in toolsets.help


def _other_value(kind: Any, default: Any) -> Any:
    """A value of the option's type that is not its default."""
    base = get_args(kind)[0]
    if get_origin(base) in (Union, type(int | None)):
        base = next(a for a in get_args(base) if a is not type(None))
    if base is bool:
        return not default
    if isinstance(base, type) and issubclass(base, Enum):
        return next(member for member in base if member != default)
    if base is int:
        return (default or 0) + 7
    if base is float:
        return default + 1.5
    return "a-value"


def _given(field_name: str, kind: Any, value: Any, how: str) -> tuple[list[str], dict[str, str]]:
    """The arguments and environment that say ``value`` for the option, by flag or by variable."""
    text = value.value if isinstance(value, Enum) else str(value)
    flags = _flags(kind)
    if how == "variable":
        return [], {envvar_of(field_name): text.lower() if isinstance(value, bool) else text}
    if isinstance(value, bool):
        return [flags[0] if value else flags[-1]], {}
    return [flags[0], text], {}


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_every_flag_and_every_variable_fills_its_field(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[ServeOptions] = []
    monkeypatch.setattr(startup, "serve", lambda command, areas, options: seen.append(options))
    app = pagerduty_mcp.server.app
    blank = {variable: None for variable in (envvar_of(f.name) for f, _ in declared_options())}
    for field, kind in declared_options():
        value = _other_value(kind, field.default)
        args, env = _given(field.name, kind, value, how)
        result = CliRunner().invoke(app, args, env={**blank, **env})
        assert result.exit_code == 0, (field.name, args, env, result.output)
        assert getattr(seen[-1], field.name) == value, (field.name, args, env)
        assert seen[-1] == ServeOptions(**{field.name: value})  # and nothing else moved
    assert len(seen) == len(declared_options())


def test_no_flag_or_value_is_given_twice_and_secrets_are_no_flags() -> None:
    flags = [flag for _, kind in declared_options() for flag in _flags(kind)]
    variables = [envvar_of(field.name) for field, _ in declared_options()]
    assert len(flags) == len(set(flags)) and len(variables) == len(set(variables))
    assert all(v.startswith("PAGERDUTY_MCP_") for v in variables)
    secrets = {secret.variable for secret in SECRETS}
    assert secrets == {"PAGERDUTY_MCP_AUTH_TOKENS", "PAGERDUTY_MCP_REDIS_PASSWORD", "PAGERDUTY_MCP_TOKEN_KEY"}
    assert not secrets & set(variables)
    help_text = CliRunner().invoke(pagerduty_mcp.server.app, ["--help"], terminal_width=200).output
    assert all(variable in help_text.split("Secrets are read from the environment only")[1] for variable in secrets)


def test_the_readme_names_every_option_and_secret_as_declared() -> None:
    variable_of = {flag: envvar_of(field.name) for field, kind in declared_options() for flag in _flags(kind)}
    for field, kind in declared_options():
        assert any(f"`{flag}" in README for flag in _flags(kind)), f"the README does not name {field.name}"
    for secret in SECRETS:
        assert f"`{secret.variable}`" in README
    known = set(variable_of.values()) | {secret.variable for secret in SECRETS}
    rows = [line.split(" | ") for line in README.splitlines() if line.startswith("| ")]
    paired = [(row[0], row[1]) for row in rows if len(row) >= 3 and "`PAGERDUTY_MCP_" in row[1]]
    assert len(paired) >= 20
    for flags, variables in paired:
        for flag in re.findall(r"--[a-z-]+", flags):
            assert variable_of[flag] in variables, (flag, variables)
        for variable in re.findall(r"`(PAGERDUTY_MCP_[A-Z_]+)", variables):
            assert variable in known, variable
