"""Adding an area is its folder and its name in ``AREA_NAMES``: a throwaway area, added that way to a
copy of the package, is served by its own command, listed by the combined server, documented, and
named by the other area servers (and names them) with no line about any of them written by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pagerduty_mcp
from tests.harness import ok, process_session, server_env

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.subprocess]

AREAS_LINE = 'AREA_NAMES = ("incidents", "services", "people", "aiops")'

# The five files of an area, as the README's "Adding a new server" describes them.
NEW_AREA = {
    "__init__.py": '''"""pagerduty-things: a throwaway area."""

from pagerduty_mcp.common import Card

CARD = Card(name="things", summary="things and stuff")
''',
    "__main__.py": "from pagerduty_mcp.servers.things.server import main\n\nmain()\n",
    "models.py": """from pagerduty_mcp.common import LeanModel


class Thing(LeanModel):
    id: str
    name: str
""",
    "tools/__init__.py": '''from pagerduty_mcp.common import Envelope, get_client, respond, tool
from pagerduty_mcp.servers.things.models import Thing


@tool("List things")
def list_things() -> Envelope:
    """The account's priorities, as things."""
    rows = get_client().read("/priorities")["priorities"]
    return respond("things", [Thing(id=r["id"], name=r["name"]) for r in rows], f"{len(rows)} things")


TOOLS = [list_things]
''',
    "server.py": """from pagerduty_mcp.common import Area, build_app
from pagerduty_mcp.servers.things import CARD
from pagerduty_mcp.servers.things.tools import TOOLS

AREA = Area(name=CARD.name, summary=CARD.summary, instructions="Things: list_things.", tools=TOOLS)
app = build_app(AREA.command, [AREA])


def main() -> None:
    app()
""",
}


@pytest.fixture(scope="module")
def package_with_a_new_area(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("new-area")
    package = root / "pagerduty_mcp"
    shutil.copytree(Path(pagerduty_mcp.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    area = package / "servers" / "things"
    area.mkdir()
    for name, text in NEW_AREA.items():
        (area / name).parent.mkdir(exist_ok=True)
        (area / name).write_text(text)
    areas = package / "servers" / "__init__.py"
    source = areas.read_text()
    assert source.count(AREAS_LINE) == 1, "AREA_NAMES is no longer one line of names: update this test and the README"
    areas.write_text(source.replace(AREAS_LINE, AREAS_LINE.replace('"aiops")', '"aiops", "things")')))
    return root


async def _served(root: Path, module: str, *args: str) -> tuple[list[str], str]:
    """The tools a server of the copy lists, and its instructions."""
    # From the copy's folder: ``-m`` puts the working directory first on the path.
    argv = [sys.executable, "-m", module, "--sandbox", *args]
    async with process_session(argv, server_env(), cwd=root) as client:
        if module.endswith("things"):
            answer = await ok(client, "list_things")
            assert answer["metadata"]["count"] == len(answer["things"]) > 0
        return [t.name for t in (await client.list_tools()).tools], client.instructions or ""


async def _tool_names(root: Path, module: str, *args: str) -> list[str]:
    return (await _served(root, module, *args))[0]


async def test_the_new_area_is_served_by_its_own_command(package_with_a_new_area: Path) -> None:
    assert await _tool_names(package_with_a_new_area, "pagerduty_mcp.servers.things") == ["list_things"]


async def test_the_combined_server_lists_it_as_a_toolset(package_with_a_new_area: Path) -> None:
    names = await _tool_names(package_with_a_new_area, "pagerduty_mcp", "--toolsets", "things")
    assert names == ["list_things"]


async def test_the_area_servers_name_it_and_it_names_them(package_with_a_new_area: Path) -> None:
    _, own = await _served(package_with_a_new_area, "pagerduty_mcp.servers.things")
    assert own.startswith("Things: list_things.\nElsewhere: pagerduty-incidents (")
    assert all(f"pagerduty-{other} (" in own for other in ("services", "people", "aiops"))
    _, people = await _served(package_with_a_new_area, "pagerduty_mcp.servers.people")
    assert "pagerduty-things (things and stuff)." in people
    _, combined = await _served(package_with_a_new_area, "pagerduty_mcp")
    assert "pagerduty-things" not in combined  # it holds them all


def test_the_generated_docs_document_it(package_with_a_new_area: Path) -> None:
    output = package_with_a_new_area / "tools.md"
    subprocess.run(
        [sys.executable, "-m", "pagerduty_mcp.catalog", "--output", str(output)],
        env=server_env(),
        cwd=package_with_a_new_area,
        check=True,
        timeout=120,
    )
    docs = output.read_text()
    assert "## pagerduty-things" in docs and "`list_things`" in docs
    assert "## pagerduty-incidents" in docs
