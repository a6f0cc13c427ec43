"""The README's install commands and client configurations, run as written from the built wheels.

Every ``uvx`` line of a bash block, every stdio server of a JSON or YAML config block, and the
server command of the Inspector line start and answer an MCP handshake. The only changes:
``--find-links`` to the local wheels, and a placeholder credential with an unreachable API host
where the README leaves the key to the user.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.packaging.wheelhouse import ROOT, UNREACHABLE_API_HOST, listed_tools, uvx_env, uvx_session

pytestmark = [pytest.mark.e2e, pytest.mark.install, pytest.mark.anyio]

README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
INSPECTOR = re.compile(r"`npx @modelcontextprotocol/inspector --cli (.+?) --method tools/list`")


def _blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def _bash_lines() -> list[tuple[str, list[str], dict[str, str]]]:
    found = []
    for body in _blocks("bash"):
        for line in body.splitlines():
            if not line.startswith("uvx "):
                continue
            words = shlex.split(line, comments=True)
            if all(words != seen for _, seen, _ in found):  # the same line in two sections runs once
                found.append((f"bash: {' '.join(words)}", words, {}))
    return found


def _config_servers() -> list[tuple[str, list[str], dict[str, str]]]:
    found = []
    for body in _blocks("json"):
        config = json.loads(body)
        for key in ("servers", "mcpServers"):
            for name, server in config.get(key, {}).items():
                # The container's client config runs the image: no Docker engine here, and
                # tests/deploy runs the image's own entry command outside Docker instead.
                if server.get("type", "stdio") == "stdio" and server["command"] != "docker":
                    found.append((f"json {key}: {name}", [server["command"], *server["args"]], server.get("env", {})))
    for body in _blocks("yaml"):
        for name, extension in yaml.safe_load(body).get("extensions", {}).items():
            if extension.get("type") == "stdio":
                found.append((f"goose: {name}", [extension["cmd"], *extension["args"]], extension.get("envs", {})))
    for line in INSPECTOR.findall(README):
        found.append((f"inspector: {line}", shlex.split(line), {}))
    return found


COMMANDS = _bash_lines() + _config_servers()


def test_the_readme_shows_the_documented_forms_first() -> None:
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    lines = [" ".join(words) for _, words, _ in _bash_lines() if " ".join(words) in install]
    assert lines[:1] == ["uvx pagerduty-incidents --sandbox"]
    assert {"uvx pagerduty-incidents", "uvx pagerduty-people --enable-write-tools"} <= set(lines)
    assert any(re.fullmatch(r"uvx --from pagerduty-mcp-servers pagerduty-mcp", line) for line in lines)
    configs = [words for label, words, _ in COMMANDS if not label.startswith("bash")]
    assert len(configs) >= 6, configs
    assert all(words[0] == "uvx" for words in configs)
    assert "--from pagerduty-mcp " not in README and "uvx pagerduty-mcp " not in README


def _credential(env: dict[str, Any]) -> dict[str, str]:
    """The config's variables, with a placeholder where the user fills in a value (``${input:…}``)."""
    values = {k: ("u+placeholder0000" if "${" in str(v) else str(v)) for k, v in env.items()}
    values.setdefault("PAGERDUTY_USER_API_KEY", "u+placeholder0000")
    return {**values, "PAGERDUTY_API_HOST": UNREACHABLE_API_HOST}


@pytest.mark.parametrize(("label", "argv", "env"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_each_readme_command_starts_from_the_wheels(
    label: str, argv: list[str], env: dict[str, Any], wheelhouse: Path, outside: Path
) -> None:
    assert argv[0] == "uvx", label
    extra = {} if "--sandbox" in argv else _credential(env)
    async with uvx_session(argv, wheelhouse, outside, uvx_env(**extra)) as client:
        tools = await listed_tools(client)
    assert tools
    assert any(tools.values()) is ("--enable-write-tools" in argv), "write tools with --enable-write-tools only"
