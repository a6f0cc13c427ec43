"""resources/list paging: the fixed resources, then each lister in turn, with an opaque cursor."""

from __future__ import annotations

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from mcp_types import Resource as MCPResource

from pagerduty_mcp.common.toolkit.browse import Lister, page_of_resources
from pagerduty_mcp.common.toolkit.reads import Reads

pytestmark = [pytest.mark.unit, pytest.mark.common]


def resource(uri: str) -> MCPResource:
    return MCPResource(uri=uri, name=uri)


def lister(name: str, count: int, calls: list[tuple[str, int, int]]) -> Lister:
    """``count`` resources ``x://<name>/<n>``, paged by offset like a tool."""

    def page(offset: int, limit: int) -> tuple[list[MCPResource], int | None]:
        calls.append((name, offset, limit))
        rows = [resource(f"x://{name}/{n}") for n in range(offset, min(offset + limit, count))]
        return rows, offset + len(rows) if offset + len(rows) < count else None

    return Lister(name, Reads(()), page)


def walk(fixed: list[MCPResource], listers: list[Lister], size: int) -> list[list[str]]:
    pages, cursor = [], None
    for _ in range(20):
        found, cursor = page_of_resources(fixed, listers, cursor, size)
        pages.append([str(r.uri) for r in found])
        if cursor is None:
            return pages
    raise AssertionError("the cursor never ended")


def test_pages_run_through_the_fixed_resources_then_each_lister() -> None:
    calls: list[tuple[str, int, int]] = []
    pages = walk([resource("x://me")], [lister("a", 5, calls), lister("b", 3, calls)], size=4)
    assert pages == [
        ["x://me", "x://a/0", "x://a/1", "x://a/2"],
        ["x://a/3", "x://a/4", "x://b/0", "x://b/1"],
        ["x://b/2"],
    ]
    assert calls[:2] == [("a", 0, 3), ("a", 3, 4)]  # a lister is asked only for what still fits


def test_an_empty_lister_is_passed_over_and_the_last_page_has_no_cursor() -> None:
    calls: list[tuple[str, int, int]] = []
    assert walk([], [lister("a", 0, calls), lister("b", 2, calls)], size=10) == [["x://b/0", "x://b/1"]]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "eyJsIjoiYyIsIm8iOjB9", "eyJsIjoiYSIsIm8iOi0xfQ"])
def test_a_cursor_this_server_did_not_give_is_invalid_params(cursor: str) -> None:
    # junk; not JSON; a lister it does not have ("c"); a negative offset
    with pytest.raises(MCPError) as refused:
        page_of_resources([], [lister("a", 3, [])], cursor)
    assert refused.value.error.code == INVALID_PARAMS
