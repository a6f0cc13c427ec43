"""docs/architecture.md tells the truth about the sandbox: its floors are the contract's, its map
names every part, and the worked example ("Adding a sandbox resource") names files and rules that exist."""

from __future__ import annotations

import configparser
import importlib
import re
from pathlib import Path

import pytest

import pagerduty_mcp.sandbox
from pagerduty_mcp.sandbox import routes
from pagerduty_mcp.sandbox.router import ROUTER

pytestmark = [pytest.mark.unit]

ROOT = Path(__file__).parents[2]
SANDBOX = Path(pagerduty_mcp.sandbox.__file__).parent
DOC = (ROOT / "docs" / "architecture.md").read_text()


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + len(title))
    return DOC[start : end if end != -1 else None]


def test_the_floors_in_the_doc_are_the_contracts_floors() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = [line.strip() for line in config["importlinter:contract:sandbox-floors"]["layers"].splitlines() if line]
    written = re.search(r"Imports point down only: (.+?)\.\s", _section("## The sandbox, on floors"), re.S)
    assert written is not None
    floors = [" | ".join(re.findall(r"`([^`]+)`", floor)) for floor in written.group(1).split("→")]
    assert [" | ".join(part.strip() for part in re.split(r"[|:]", layer)) for layer in layers] == floors


def test_the_map_names_every_part_of_the_sandbox() -> None:
    block = _section("## The sandbox, on floors").split("```")[1]
    parts = {p.name + ("/" if p.is_dir() else "") for p in SANDBOX.iterdir() if p.name != "__pycache__"}
    assert {"model/", "routes/", "seed/", "core.py"} <= parts
    assert parts - set(re.findall(r"(\w+(?:\.py|/))", block)) == set()


def test_the_worked_example_names_what_exists() -> None:
    example = _section("### Adding a sandbox resource")
    files = set(re.findall(r"`((?:model|routes|seed)/\w+\.py)`", example))
    assert {"model/webhooks.py", "routes/webhooks.py", "seed/webhooks.py"} <= files
    assert all((SANDBOX / f).is_file() for f in files)
    model_step = example[example.index("1. ") : example.index("2. ")]
    rules = set(re.findall(r"`(\w+)`", model_step))
    webhooks = importlib.import_module("pagerduty_mcp.sandbox.model.webhooks")
    assert {"build_subscription", "shown"} <= rules
    assert [r for r in sorted(rules) if not hasattr(webhooks, r)] == []
    routes.load()
    route_step = example[example.index("2. ") : example.index("3. ")]
    for method, path in re.findall(r'@route\("(\w+)", "([^"]+)"\)', route_step):
        found = ROUTER.match(method, path)
        assert found is not None and found[0].handler.__module__ == "pagerduty_mcp.sandbox.routes.webhooks"
