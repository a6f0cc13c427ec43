"""docs/architecture.md names every module of ``common/``, ``sandbox/`` and ``rules/``, each in the
section about its folder, and its example tool answers as tools do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pagerduty_mcp

pytestmark = [pytest.mark.unit]

PACKAGE = Path(pagerduty_mcp.__file__).parent
DOC = (PACKAGE.parent / "docs" / "architecture.md").read_text()

# Each folder, and the heading of the section that describes its modules.
SECTIONS = {
    "rules": "## The floors",
    "common/pagerduty": "### Floor 1",
    "common/toolkit": "### Floor 2",
    "common/hosting": "### Floor 3",
    "sandbox": "## The sandbox, on floors",
    "sandbox/model": "## The sandbox, on floors",
    "sandbox/routes": "## The sandbox, on floors",
    "sandbox/seed": "## The sandbox, on floors",
}


def _section(heading: str) -> str:
    start = DOC.index(heading)
    level = heading.split(" ")[0]
    following = [DOC.find(f"\n{mark} ", start + len(heading)) for mark in ("#" * n for n in range(2, len(level) + 1))]
    ends = [end for end in following if end != -1]
    return DOC[start : min(ends) if ends else None]


def _named(module: str, text: str) -> bool:
    """``module`` in code: `` `module` ``, `` `module.py` ``, `` `folder/module.py` ``, or a line of
    a code block (the maps)."""
    word = rf"(?<![\w.]){re.escape(module)}(?:\.py)?(?![\w])"
    spans = re.findall(r"`([^`\n]+)`", text)
    blocks = re.findall(r"```.*?```", text, re.S)
    return any(re.search(word, span) for span in spans) or any(re.search(word, block) for block in blocks)


def _modules(folder: str) -> list[str]:
    return sorted(p.stem for p in (PACKAGE / folder).glob("*.py") if p.stem != "__init__")


def test_the_folders_are_all_there() -> None:
    folders = {str(p.parent.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    covered = {f for f in folders if f.startswith(("common", "sandbox", "rules"))} - {"common"}
    assert covered == set(SECTIONS)


@pytest.mark.parametrize("folder", sorted(SECTIONS))
def test_every_module_is_named_in_its_section(folder: str) -> None:
    section = _section(SECTIONS[folder])
    modules = _modules(folder)
    assert modules
    assert [m for m in modules if not _named(m, section)] == []


def test_the_check_tells_a_name_from_a_longer_one() -> None:
    assert _named("oncall", "`oncall` and more") and _named("oncall", "see `model/oncall.py`")
    assert not _named("oncall", "`oncalls` only") and not _named("times", "`long_times`")


def test_the_example_tool_answers_with_the_envelope() -> None:
    example = _section("## Adding a tool")
    assert "-> Envelope:" in example
    assert not re.search(r"->\s*dict", DOC)
