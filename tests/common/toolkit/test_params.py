from __future__ import annotations

import pytest

from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.toolkit.ids import resolve_id

pytestmark = [pytest.mark.unit, pytest.mark.common]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PABC123", "PABC123"),
        ("Q0RIJJZL24RC6W", "Q0RIJJZL24RC6W"),
        ("1234", "1234"),
        ("https://acme.pagerduty.com/incidents/Q1ABC2DEF", "Q1ABC2DEF"),
        ("https://acme.pagerduty.com/service-directory/PSVC123?tab=x", "PSVC123"),
        ("https://acme.pagerduty.com/escalation_policies#PEP1234", "PEP1234"),
        ("https://acme.eu.pagerduty.com/users/PUSR001/on-call", "PUSR001"),
    ],
)
def test_ids_and_urls_resolve_to_the_id(value: str, expected: str) -> None:
    assert resolve_id(value, "id") == expected


@pytest.mark.parametrize(
    "value", ["", "null", "undefined", "../users", "P1/../x", "%2F..", "a?b", "x" * 80, "https://x/"]
)
def test_bad_ids_are_invalid_parameters_naming_the_parameter(value: str) -> None:
    with pytest.raises(ToolFailure) as caught:
        resolve_id(value, "incident_id")
    assert caught.value.code == "INVALID_PARAMETER"
    assert caught.value.message.startswith("incident_id:")


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example.com/teams/P0Z800L",
        "https://acme.pagerduty.com.evil.example.com/teams/P0Z800L",
        "https://evilpagerduty.com/teams/P0Z800L",
        "https://user:pass@acme.pagerduty.com/teams/P0Z800L",
        "https://acme.pagerduty.com:8443/teams/P0Z800L",
        "https://evil.example.com/#P0Z800L",
        "http://acme.pagerduty.com/teams/P0Z800L",
    ],
)
def test_a_url_counts_only_on_a_pagerduty_host(value: str) -> None:
    with pytest.raises(ToolFailure) as caught:
        resolve_id(value, "team_id")
    assert caught.value.code == "INVALID_PARAMETER"
    assert "pagerduty.com" in caught.value.message and "pass the id" in caught.value.message


@pytest.mark.parametrize(
    "value",
    [
        "https://acme.pagerduty.com/teams/P0Z800L",
        "https://acme.eu.pagerduty.com/teams/P0Z800L",
        "https://ACME.PagerDuty.com/teams/P0Z800L",
        "https://api.pagerduty.com/teams/P0Z800L",
        "https://acme.pagerduty.com:443/teams/P0Z800L",
    ],
)
def test_pagerduty_hosts_pass(value: str) -> None:
    assert resolve_id(value, "team_id") == "P0Z800L"
