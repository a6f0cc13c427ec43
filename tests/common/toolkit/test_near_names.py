"""The matcher behind "closest names": what counts as near, in what order, and what never does."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_mcp.common.pagerduty.kinds import KINDS
from pagerduty_mcp.common.toolkit.near_names import MAX_SUGGESTIONS, closest, words

pytestmark = [pytest.mark.unit, pytest.mark.common]


def _rows(*names: str, **fields: dict[str, str]) -> list[dict[str, Any]]:
    return [{"id": f"P{i:06d}", "name": name, **fields.get(name.replace(" ", "_"), {})} for i, name in enumerate(names)]


def _names(wanted: str, kind: str, rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in closest(wanted, rows, KINDS[kind])]


TEAMS = _rows("Checkout", "Payments", "Database", "Personalization", "Platform", "Platform SRE")
SERVICES = _rows("Checkout API", "Cart Service", "Web", "Webhooks Relay", "Edge CDN")


def test_words_set_case_accents_and_punctuation_aside() -> None:
    assert words("Platform-Team") == ["platform", "team"]
    assert words("  Café  On-Call_2 ") == ["cafe", "on", "call", "2"]


@pytest.mark.parametrize(
    ("wanted", "kind", "rows", "first"),
    [
        ("Platform Team", "teams", TEAMS, "Platform"),  # the kind's word set aside
        ("the platform team", "teams", TEAMS, "Platform"),
        ("PLATFORMS", "teams", TEAMS, "Platform"),  # capitals and a near spelling
        ("Web Service", "services", SERVICES, "Web"),
        ("Chekout API", "services", SERVICES, "Checkout API"),  # a typo
        ("Chekout", "services", SERVICES, "Checkout API"),  # a typo in one word of the name
        ("checkout-api", "services", SERVICES, "Checkout API"),  # punctuation for spaces
        ("Database On Call Schedule", "schedules", _rows("Database On-Call", "Payments On-Call"), "Database On-Call"),
        (
            "Database Escalation Policy",
            "escalation_policies",
            _rows("Database Escalation", "Platform"),
            "Database Escalation",
        ),
        ("p-1", "priorities", _rows("P1", "P2", "P3"), "P1"),
        ("Acme Status Page", "status_pages", _rows("Acme Shop Status", "Acme Status"), "Acme Status"),
    ],
)
def test_the_nearest_name_comes_first(wanted: str, kind: str, rows: list[dict[str, Any]], first: str) -> None:
    assert _names(wanted, kind, rows)[0] == first


def test_a_name_with_every_word_asked_for_is_near_after_the_same_name() -> None:
    assert _names("Platform Team", "teams", TEAMS) == ["Platform", "Platform SRE"]


def test_a_user_is_near_by_name_or_by_email() -> None:
    users = [
        {"id": "PU1", "name": "Noah Kim", "email": "noah.kim@acme.example"},
        {"id": "PU2", "name": "Nora Kimball", "email": "nk@acme.example"},
    ]
    assert closest("noah.kim", users, KINDS["users"])[0]["id"] == "PU1"
    assert closest("noah.kim@acme.exmaple", users, KINDS["users"])[0]["id"] == "PU1"


@pytest.mark.parametrize("wanted", ["PZZZZZZ", "No Such Thing Anywhere", "Team", "x"])
def test_nothing_near_is_offered_for_what_is_near_nothing(wanted: str) -> None:
    assert _names(wanted, "teams", TEAMS) == []


def test_a_few_at_most_best_first_and_each_object_once() -> None:
    rows = _rows("Platform", "Platform A", "Platform B", "Platform C", "Platform D")
    found = closest("Platform Team", [*rows, *rows], KINDS["teams"])
    assert len(found) == MAX_SUGGESTIONS and found[0]["name"] == "Platform"
    assert len({row["id"] for row in found}) == len(found)
