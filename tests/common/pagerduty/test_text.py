from __future__ import annotations

import pytest

from pagerduty_mcp.common.pagerduty.text import clean_text, clean_tree

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_invisible_and_control_characters_are_stripped() -> None:
    hostile = "Disk\u200b full\u202e on db1\x07\x1b[31m\ufeff \U000e0041tag"
    assert clean_text(hostile) == "Disk full on db1[31m tag"


def test_newlines_and_tabs_survive() -> None:
    assert clean_text("line 1\n\tline 2") == "line 1\n\tline 2"


def test_long_values_are_cut_with_a_marker_that_says_how_much() -> None:
    cut = clean_text("x" * 5000, 100)
    assert cut.startswith("x" * 100)
    assert cut.endswith("…[cut 4900 chars]")


def test_trees_are_cleaned_and_bounded() -> None:
    tree = {"k\u200d": ["a\u2066b"] * 60, "deep": {"a": {"b": {"c": {"d": {"e": {"f": "g"}}}}}}}
    cleaned = clean_tree(tree, limit=10, max_items=50, depth=4)
    assert cleaned["k"][:2] == ["ab", "ab"]
    assert cleaned["k"][-1] == "…[10 more items cut]"
    assert "nested too deep" in str(cleaned["deep"])
