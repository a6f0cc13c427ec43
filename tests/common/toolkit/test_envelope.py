"""The envelope says each fact once: no empty values, one URL pattern for many rows."""

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


def test_a_repeated_reference_keeps_its_name_on_every_row() -> None:
    checkout = Ref(id="PS1", name="Checkout")
    envelope = respond("incidents", [Row(id="P1", service=checkout), Row(id="P2", service=checkout)], "2")
    assert [r["service"] for r in envelope["incidents"]] == [{"id": "PS1", "name": "Checkout"}] * 2


def test_a_lone_surrogate_never_makes_the_answer_unencodable() -> None:
    text = dump({"note": "\ud800 echoed back", "pair": "\U0001f600"})
    text.encode("utf-8")  # would raise with the surrogate left in
    assert json.loads(text) == {"note": "\ufffd echoed back", "pair": "\U0001f600"}
