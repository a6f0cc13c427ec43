"""The envelope says each fact once: no empty values, one URL pattern, a reference named once."""

from __future__ import annotations

import json

import pytest

from pagerduty_mcp.common.toolkit.envelope import dump, respond
from pagerduty_mcp.common.toolkit.models import LeanModel, Ref

pytestmark = [pytest.mark.unit]

BASE = "https://acme.pagerduty.com/incidents/"


class Row(LeanModel):
    id: str
    html_url: str | None = None
    service: Ref | None = None
    tags: list[str] = []
    note: str | None = None


def test_rows_on_one_base_share_one_url_pattern_and_a_row_that_does_not_fit_keeps_its_own() -> None:
    rows = [
        Row(id="P1", html_url=BASE + "P1"),
        Row(id="P2", html_url=BASE + "P2"),
        Row(id="P3", html_url="https://x/y"),
    ]
    envelope = respond("incidents", rows, "3")
    assert envelope["metadata"]["url"] == BASE + "{id}"
    assert envelope["incidents"] == [{"id": "P1"}, {"id": "P2"}, {"id": "P3", "html_url": "https://x/y"}]
    # The pattern gives back every URL that was dropped.
    assert [envelope["metadata"]["url"].format(id=r["id"]) for r in envelope["incidents"][:2]] == [
        BASE + "P1",
        BASE + "P2",
    ]


def test_a_single_row_keeps_its_url_because_a_pattern_would_cost_more() -> None:
    envelope = respond("incidents", Row(id="P1", html_url=BASE + "P1"), "1")
    assert "url" not in envelope["metadata"] and envelope["incidents"][0]["html_url"] == BASE + "P1"


def test_empty_values_are_absent_but_counts_and_the_answer_list_stay() -> None:
    envelope = respond("incidents", [Row(id="P1", tags=[], note="")], "1", notes=[], extra={}, total=0)
    text = dump(envelope)
    assert json.loads(text) == {
        "metadata": {"count": 1, "description": "1", "has_more": False, "total": 0},
        "incidents": [{"id": "P1"}],
    }
    assert json.loads(dump(respond("incidents", [], "none")))["incidents"] == []  # "none" is the fact here


def test_a_repeated_reference_is_named_the_first_time_only() -> None:
    checkout, cart = Ref(id="PS1", name="Checkout"), Ref(id="PS2", name="Cart")
    envelope = respond(
        "incidents", [Row(id="P1", service=checkout), Row(id="P2", service=cart), Row(id="P3", service=checkout)], "3"
    )
    assert [r["service"] for r in envelope["incidents"]] == [
        {"id": "PS1", "name": "Checkout"},
        {"id": "PS2", "name": "Cart"},
        {"id": "PS1"},
    ]


def test_a_reference_renamed_within_one_answer_keeps_both_names() -> None:
    envelope = respond(
        "x", [Row(id="P1", service=Ref(id="PS1", name="Old")), Row(id="P2", service=Ref(id="PS1", name="New"))], "2"
    )
    assert [r["service"]["name"] for r in envelope["x"]] == ["Old", "New"]
