"""Windows longer than PagerDuty answers at once (/oncalls: 90 days, Analytics: a year) are asked in
pieces and joined: the answer covers the whole window and says how, never a silent cut.

Schedules are built through the tools in a fresh sandbox; the expected numbers are worked out from
the rotation (two people, daily turns) or from the same question asked in one piece.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client

from pagerduty_mcp.sandbox.model.incidents import create_incident
from tests.harness import fails, ok
from tests.servers.people.test_load_and_gaps import by_user, daily_pair

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people")]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_quarter_of_92_days_is_measured_whole_in_two_pieces(client: Client) -> None:
    schedule, liam, alex = await daily_pair(client)  # Liam on even days from 6 January 2025, Alex on odd
    state = client.sandbox.state  # type: ignore[attr-defined]
    policy = next(p for p in state.all("escalation_policies") if p["name"] == "Hand daily policy")
    service = state.all("services")[0]["id"]
    # The pieces meet on 6 April at 12:00, inside Liam's day: that shift comes back from both pieces.
    for moment in ("2025-01-20T03:00:00+00:00", "2025-04-06T15:00:00+00:00"):
        create_incident(state, service, "Quarter", datetime.fromisoformat(moment), escalation_policy_id=policy["id"])
    box = client.sandbox  # type: ignore[attr-defined]
    box.request_log.reset()
    window = {"since": "2025-01-06T12:00:00Z", "until": "2025-04-08T12:00:00Z"}
    envelope = await ok(client, "get_oncall_load", {"schedule_ids": [schedule], **window})
    rows = by_user(envelope)
    # 92 days: 12 h + 45 whole days + 12 h for Liam, 46 whole days for Alex.
    assert (rows[liam]["hours"], rows[alex]["hours"]) == (1104, 1104)
    assert (rows[liam]["incidents"], rows[alex]["incidents"]) == (2, 0)  # each incident once
    assert envelope["metadata"]["window"] == {**window, "pieces": 2, "piece_days": 90}
    assert [r.path for r in box.request_log].count("/oncalls") == 2


async def test_pay_since_a_day_long_ago_runs_to_now_whole(client: Client) -> None:
    schedule, liam, alex = await daily_pair(client)  # someone is on call at every moment
    envelope = await ok(client, "get_oncall_compensation", {"schedule_id": schedule, "since": "120d"})
    window = envelope["metadata"]["window"]
    since, until = (datetime.fromisoformat(window[k]) for k in ("since", "until"))
    assert timedelta(0) <= datetime.now(UTC) - until < timedelta(minutes=5)  # not cut at 90 days
    assert until - since == timedelta(days=120) and (window["pieces"], window["piece_days"]) == (2, 90)
    hours = {row["user"]["id"]: row["hours"]["total"] for row in envelope["people"]}
    assert set(hours) == {liam, alex} and sum(hours.values()) == pytest.approx(120 * 24, abs=0.02)


async def test_more_than_a_year_of_on_call_is_refused_naming_until(client: Client) -> None:
    error = await fails(client, "get_oncall_compensation", {"since": "400d"}, "INVALID_PARAMETER")
    assert error["message"].startswith("until:") and "366 days" in error["message"]
    await fails(client, "get_oncall_load", {"since": "2024-01-01", "until": "2025-02-01"}, "INVALID_PARAMETER")


@pytest.mark.server("people", write=False)
async def test_responder_metrics_over_more_than_a_year_join_their_pieces(client: Client) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # 380 days: a year, then 14 days that cut the seeded month of incidents in two.
    box = client.sandbox  # type: ignore[attr-defined]
    box.request_log.reset()
    long = await ok(client, "get_responder_metrics", {"since": stamp(now - timedelta(days=380))})
    assert [r.path for r in box.request_log].count("/analytics/metrics/responders/teams") == 2
    assert (long["metadata"]["window"]["pieces"], long["metadata"]["window"]["piece_days"]) == (2, 366)
    whole = await ok(client, "get_responder_metrics", {"since": stamp(now - timedelta(days=365))})
    assert "pieces" not in whole["metadata"]["window"]

    def keyed(envelope: dict) -> dict:
        return {(r["responder"]["id"], (r.get("team") or {}).get("id")): r for r in envelope["responders"]}

    joined, asked = keyed(long), keyed(whole)
    assert joined.keys() == asked.keys() and len(joined) > 1
    for key, row in asked.items():
        for field in ("incidents", "interruptions", "acknowledged", "notifications", "sleep_hours"):
            assert joined[key].get(field) == row.get(field), (key, field)
        if "mean_seconds_to_ack" in row:  # weighted by the acknowledged incidents of each piece
            assert joined[key]["mean_seconds_to_ack"] == pytest.approx(row["mean_seconds_to_ack"], abs=1)
    assert long["metadata"]["all_responders"]["incidents"] == whole["metadata"]["all_responders"]["incidents"] > 0
