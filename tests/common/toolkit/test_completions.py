"""Completions: matching by prefix, the protocol's cap of 100, and a source for every argument."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field

from pagerduty_mcp.common.toolkit.completions import MAX_VALUES, Source, choices, complete, matching, sources_for

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_matching_is_case_insensitive_whole_key_first_then_word_starts() -> None:
    rows = [("Personalization Shifts", ["Personalization Shifts"]), ("Shift Leads", ["Shift Leads"])]
    assert matching("shift", rows) == ["Shift Leads", "Personalization Shifts"]
    assert matching("", rows) == ["Personalization Shifts", "Shift Leads"]
    assert matching("zz", rows) == []


def test_at_most_100_values_with_the_total_and_has_more() -> None:
    many = Source(lambda typed, context: [f"{n:03d}" for n in range(150) if f"{n:03d}".startswith(typed)])
    capped = complete(many, "")
    assert len(capped.values) == MAX_VALUES and capped.total == 150 and capped.has_more is True
    narrow = complete(many, "01")
    assert narrow.values == [f"01{n}" for n in range(10)] and narrow.total == 10 and narrow.has_more is False


def test_repeated_values_count_once() -> None:
    twice = Source(lambda typed, context: ["a", "b", "a"])
    assert complete(twice, "").values == ["a", "b"] and complete(twice, "").total == 2


def test_context_reaches_the_source() -> None:
    seen: list[dict[str, str]] = []
    source = Source(lambda typed, context: seen.append(dict(context)) or [])
    complete(source, "", {"team": "Checkout"})
    assert seen == [{"team": "Checkout"}]


def prompt(
    team_id: str,
    purpose: Annotated[Literal["handoff", "postmortem"], Field(description="x")] = "handoff",
    style: Literal["short", "long"] | None = None,
) -> str:
    return ""


def test_every_argument_gets_a_source_from_its_name_or_its_literal() -> None:
    found = sources_for(prompt, None, what="prompt p")
    assert found["team_id"].finder == "list_teams"  # names teams, like the tools' team_id
    assert complete(found["purpose"], "").values == ["handoff", "postmortem"]
    assert complete(found["style"], "l").values == ["long"]
    assert found["purpose"].finder is None  # a fixed choice reveals nothing of the account


def test_an_argument_without_a_source_fails_at_registration() -> None:
    def free(text: str) -> str:
        return text

    with pytest.raises(ValueError, match="prompt p: text has no completion source"):
        sources_for(free, None, what="prompt p")
    declared = choices(["one"])
    assert sources_for(free, {"text": declared}, what="prompt p") == {"text": declared}
