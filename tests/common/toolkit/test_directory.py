"""The areas as every server sees them: each declares its finders and summary; hints and sibling lines derive."""

from __future__ import annotations

import pytest

from pagerduty_mcp.common import Area, tool
from pagerduty_mcp.common.pagerduty.kinds import KINDS
from pagerduty_mcp.common.toolkit.directory import all_areas, finder_of, sibling_line
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS
from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.server import AREAS
from pagerduty_mcp.servers import AREA_NAMES

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_the_directory_is_the_one_list_of_areas() -> None:
    assert [area.name for area in all_areas()] == list(AREA_NAMES) == [area.name for area in AREAS]


def test_every_kind_a_parameter_names_has_one_finder_a_read_tool_of_its_area() -> None:
    declared = [(kind, area.name, name) for area in AREAS for kind, name in area.finders.items()]
    kinds = [kind for kind, _, _ in declared]
    assert len(kinds) == len(set(kinds)), "a kind has two finders"
    for kind in {k.key for k in NAMED_PARAMETERS.values()}:
        found = finder_of(kind)
        assert found is not None, f"no area declares the finder of {kind}"
        area = next(a for a in AREAS if a.name == found[1])
        assert found[0] in {spec_of(fn).name for fn in area.read_tools}


@pytest.mark.parametrize("served", AREA_NAMES)
def test_a_server_of_one_area_names_each_other_area_once_with_its_summary(served: str) -> None:
    line = sibling_line([served])
    assert line.startswith("Elsewhere: ") and line.endswith(".")
    for area in AREAS:
        said = f"pagerduty-{area.name} ({area.summary})"
        assert line.count(said) == (0 if area.name == served else 1), line


def test_a_server_of_every_area_has_no_sibling_line() -> None:
    assert sibling_line(list(AREA_NAMES)) == ""


@tool("List things")
def list_things() -> dict[str, object]:
    """Things."""
    return {}


@tool("Delete thing", "delete")
def delete_thing() -> dict[str, object]:
    """Delete a thing."""
    return {}


def test_an_area_declares_only_finders_it_has_of_kinds_that_exist() -> None:
    Area("things", "things", "Things.", [list_things], finders={"teams": "list_things"})
    with pytest.raises(ValueError, match="no kind of PagerDuty object"):
        Area("things", "things", "Things.", [list_things], finders={"thingies": "list_things"})
    with pytest.raises(ValueError, match="not one of its read tools"):
        Area("things", "things", "Things.", [list_things], finders={"teams": "list_teams"})
    with pytest.raises(ValueError, match="not one of its read tools"):
        Area("things", "things", "Things.", [list_things, delete_thing], finders={"teams": "delete_thing"})
    assert "teams" in KINDS
