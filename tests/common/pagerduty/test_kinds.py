"""The one table of PagerDuty object kinds, and what derives from it: 404 codes, ids in links, names."""

from __future__ import annotations

import pytest

from pagerduty_mcp.common.pagerduty.errors import resource_from_path
from pagerduty_mcp.common.pagerduty.kinds import KINDS, LINK_SEGMENTS, kind_in_path
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS

pytestmark = [pytest.mark.unit, pytest.mark.common]


# What the codes were before the table, path by path: they are a public contract.
@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/incidents/Q1ABC", "INCIDENT_NOT_FOUND"),
        ("/incidents/Q1ABC/alerts/Q2DEF", "ALERT_NOT_FOUND"),
        ("/incidents/Q1ABC/alerts", "INCIDENT_NOT_FOUND"),
        ("/incidents/Q1ABC/business_services/impacts", "INCIDENT_NOT_FOUND"),
        ("/incidents/Q1ABC/notes", "INCIDENT_NOT_FOUND"),
        ("/incidents/Q1ABC/status_updates", "INCIDENT_NOT_FOUND"),
        ("/services/PABC123", "SERVICE_NOT_FOUND"),
        ("/technical_services/PABC123", "SERVICE_NOT_FOUND"),
        ("/business_services/PABC123", "BUSINESS_SERVICE_NOT_FOUND"),
        ("/users/PABC123/contact_methods/PDEF456", "CONTACT_METHOD_NOT_FOUND"),
        ("/users/PABC123/notification_rules/PDEF456", "NOTIFICATION_RULE_NOT_FOUND"),
        ("/teams/PABC123", "TEAM_NOT_FOUND"),
        ("/schedules/PABC123/overrides/PDEF456", "OVERRIDE_NOT_FOUND"),
        ("/v3/schedules/PABC123/rotations/PDEF456", "ROTATION_NOT_FOUND"),
        ("/v3/schedules/PABC123/custom_shifts/PDEF456", "CUSTOM_SHIFT_NOT_FOUND"),
        ("/escalation_policies/PABC123", "ESCALATION_POLICY_NOT_FOUND"),
        ("/log_entries/PABC123", "LOG_ENTRY_NOT_FOUND"),
        ("/priorities", "PRIORITY_NOT_FOUND"),
        ("/maintenance_windows/PABC123", "MAINTENANCE_WINDOW_NOT_FOUND"),
        ("/webhook_subscriptions/PABC123", "WEBHOOK_SUBSCRIPTION_NOT_FOUND"),
        ("/extensions/PABC123", "EXTENSION_NOT_FOUND"),
        ("/extension_schemas/PABC123", "EXTENSION_SCHEMA_NOT_FOUND"),
        ("/services/PABC123/integrations/PDEF456", "INTEGRATION_NOT_FOUND"),
        ("/event_orchestrations/PABC123", "EVENT_ORCHESTRATION_NOT_FOUND"),
        ("/alert_grouping_settings/PABC123", "ALERT_GROUPING_SETTING_NOT_FOUND"),
        ("/change_events/PABC123", "CHANGE_EVENT_NOT_FOUND"),
        ("/incident_workflows/PABC123", "INCIDENT_WORKFLOW_NOT_FOUND"),
        ("/automation_actions/actions/01ABCDEFGHIJKLMNOPQRSTUVWX", "AUTOMATION_ACTION_NOT_FOUND"),
        ("/automation_actions/invocations/01ABCDEFGHIJKLMNOPQRSTUVWX", "AUTOMATION_ACTION_INVOCATION_NOT_FOUND"),
        ("/status_pages/PABC123/posts/PDEF456", "STATUS_PAGE_POST_NOT_FOUND"),
        ("/status_pages/PABC123", "STATUS_PAGE_NOT_FOUND"),
        ("/oncalls", "RESOURCE_NOT_FOUND"),
        ("https://api.pagerduty.com/teams/PABC123?include[]=x", "TEAM_NOT_FOUND"),
    ],
)
def test_a_404_names_the_object_its_path_points_at(path: str, code: str) -> None:
    resource = resource_from_path(path)
    assert f"{resource.upper()}_NOT_FOUND" == code


def test_link_segments_are_those_links_carry_ids_after() -> None:
    # The web app's and the API's, as before the table: a link elsewhere names no object.
    before = {
        "incidents",
        "services",
        "service-directory",
        "business-services",
        "business_services",
        "users",
        "teams",
        "schedules",
        "escalation_policies",
        "escalation-policies",
        "event-orchestration",
        "event_orchestrations",
        "alerts",
        "log_entries",
        "maintenance_windows",
        "incident_workflows",
        "workflows",
        "change_events",
        "alert-grouping-settings",
        "actions",
    }
    assert before == LINK_SEGMENTS


def test_each_segment_names_one_kind_and_each_kind_has_its_key() -> None:
    claimed: dict[str, str] = {}
    for key, kind in KINDS.items():
        assert kind.key == key
        for segment in kind.segments or (kind.key,):
            assert claimed.setdefault(segment, key) == key, f"{segment} is claimed by {claimed[segment]} and {key}"
    assert kind_in_path("/teams/PABC123") is KINDS["teams"]
    assert kind_in_path("/nothing/here") is None


def test_codes_follow_the_noun() -> None:
    assert KINDS["escalation_policies"].code == "ESCALATION_POLICY_NOT_FOUND"
    assert KINDS["escalation_policies"].plural == "escalation policies"
    assert KINDS["automation_action_invocations"].code == "AUTOMATION_ACTION_INVOCATION_NOT_FOUND"
    assert len({kind.code for kind in KINDS.values()}) == len(KINDS)  # no two kinds share a code


def test_every_kind_a_parameter_names_can_be_found_by_name() -> None:
    for parameter, kind in NAMED_PARAMETERS.items():
        assert kind.named, f"{parameter} names {kind.key}, which has no list to find names in"
        for listing in kind.listings:
            assert listing.path.startswith("/") and listing.key
    # Shift-based schedules are schedules too: looked up in both lists, layer-based first.
    assert [listing.path for listing in KINDS["schedules"].listings] == ["/schedules", "/v3/schedules"]
