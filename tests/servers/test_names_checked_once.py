"""A name resolved, or a filter checked, is known for the rest of the call: PagerDuty is asked once."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.harness import ok

pytestmark = [pytest.mark.anyio, pytest.mark.server("incidents", write=False)]


async def test_an_empty_answer_filtered_by_a_named_team_asks_nothing_more_about_the_team(client: Client) -> None:
    box = client.sandbox  # type: ignore[attr-defined]
    box.ensure_seeded()
    platform = next(t["id"] for t in box.state.tables["teams"].values() if t["name"] == "Platform")
    before = len(box.request_log)
    envelope = await ok(client, "list_incidents", {"team_ids": ["Platform"], "urgencies": ["low"], "scope": "all"})
    sent = [f"{r.method} {r.path}" for r in list(box.request_log)[before:]]
    assert envelope["metadata"]["count"] == 0  # the empty answer is what triggers existence checks
    assert f"GET /teams/{platform}" not in sent, sent  # the name came from the team list: it exists
    assert sent.count("GET /teams") == 1


async def test_an_empty_answer_checks_each_filter_id_once(client: Client) -> None:
    box = client.sandbox  # type: ignore[attr-defined]
    box.ensure_seeded()
    platform = next(t["id"] for t in box.state.tables["teams"].values() if t["name"] == "Platform")
    before = len(box.request_log)
    envelope = await ok(client, "list_incidents", {"team_ids": [platform], "urgencies": ["low"], "scope": "all"})
    sent = [f"{r.method} {r.path}" for r in list(box.request_log)[before:]]
    assert envelope["metadata"]["count"] == 0
    assert sent.count(f"GET /teams/{platform}") == 1, sent


async def test_an_answer_with_rows_checks_no_filter_id(client: Client) -> None:
    box = client.sandbox  # type: ignore[attr-defined]
    box.ensure_seeded()
    ids = list(box.state.tables["teams"])
    before = len(box.request_log)
    envelope = await ok(client, "list_incidents", {"team_ids": ids, "date_range": "all", "scope": "all"})
    sent = [f"{r.method} {r.path}" for r in list(box.request_log)[before:]]
    assert envelope["metadata"]["count"] > 0
    assert not [s for s in sent if s.startswith("GET /teams/")], sent  # rows prove enough: no extra request
