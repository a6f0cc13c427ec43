"""The spec helper itself: it must catch what is wrong, or the contract tests prove nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract import openapi
from tests.contract.openapi import Spec, load_events_spec

pytestmark = [pytest.mark.contract, pytest.mark.sandbox]

GOOD_USER_REF = {"id": "PABC123", "type": "user_reference", "summary": "A", "self": "x", "html_url": None}


def test_missing_spec_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(openapi.ENV_SPEC, str(tmp_path / "absent.json"))
    with pytest.raises(pytest.skip.Exception, match="PAGERDUTY_OPENAPI_SPEC"):
        openapi.load_spec()


def test_paths_match_templates_literal_first(rest_spec: Spec) -> None:
    assert rest_spec.template_for("/users/me") == "/users/me"
    assert rest_spec.template_for("/users/PABC123") == "/users/{id}"
    assert rest_spec.template_for("/schedules/P1/overrides/P2") == "/schedules/{id}/overrides/{override_id}"
    assert rest_spec.template_for("/no/such/thing/here") is None


def test_unknown_and_invalid_query_parameters_are_caught(rest_spec: Spec) -> None:
    problems = rest_spec.validate_request(
        "GET", "/incidents", {"statuses[]": ["open"], "limit": ["ten"], "colour": ["red"]}, {}
    )
    text = "\n".join(problems)
    assert "'colour' is not in the spec" in text
    assert "statuses[]='open'" in text
    assert "limit='ten'" in text
    assert rest_spec.validate_request("GET", "/incidents", {"statuses[]": ["triggered"], "limit": ["10"]}, {}) == []


def test_comma_separated_sort_by_is_checked_item_by_item(rest_spec: Spec) -> None:
    assert rest_spec.validate_request("GET", "/incidents", {"sort_by": ["created_at:desc,urgency"]}, {}) == []


def test_required_from_header_and_body_shape(rest_spec: Spec) -> None:
    note = {"note": {"content": "Rolled back"}}
    missing = "\n".join(rest_spec.validate_request("POST", "/incidents/P1/notes", {}, {}, note, True))
    assert "required header 'From' is missing" in missing
    assert rest_spec.validate_request("POST", "/incidents/P1/notes", {}, {"From": "a@example.com"}, note, True) == []
    body = {
        "escalation_policy": {
            "type": "escalation_policy",
            "name": "X",
            "escalation_rules": [{"escalation_delay_in_minutes": "soon", "targets": []}],
        }
    }
    problems = "\n".join(rest_spec.validate_request("POST", "/escalation_policies", {}, {}, body, True))
    assert "From" not in problems  # optional on this endpoint
    assert "'soon' is not of type 'integer'" in problems


def test_response_problems_are_caught(rest_spec: Spec) -> None:
    assert rest_spec.validate_response("GET", "/users/PABC123", 200, {"user": {"name": "A"}})
    assert rest_spec.validate_response("GET", "/priorities", 200, {"limit": "25"})
    assert rest_spec.validate_response("GET", "/oncalls", 200, {"oncalls": [{"user": GOOD_USER_REF}]}) == []
    assert rest_spec.validate_response("GET", "/oncalls", 200, {"oncalls": [{"user": {"type": "user"}}]})


def test_optional_nulls_are_accepted_in_responses_only(rest_spec: Spec) -> None:
    incident = {"incident": {"id": "P1", "type": "incident", "resolved_at": None, "priority": None}}
    assert rest_spec.validate_response("GET", "/incidents/P1", 200, incident) == []
    assert rest_spec.validate_response("GET", "/incidents/P1", 200, {"incident": {"resolved_at": 5}})


def test_error_bodies_and_empty_answers(rest_spec: Spec) -> None:
    error = {"error": {"message": "Not Found", "code": 2100, "errors": []}}
    assert rest_spec.validate_response("GET", "/users/P1", 404, error) == []
    assert rest_spec.validate_response("GET", "/users/P1", 404, {"error": {"code": "x"}})
    assert rest_spec.validate_response("DELETE", "/teams/P1", 204, None, has_body=False) == []
    assert rest_spec.validate_response("DELETE", "/teams/P1", 204, {"x": 1}, has_body=True)


def test_included_objects_are_checked_against_their_full_schema(rest_spec: Spec) -> None:
    expanded = {"oncalls": [{"user": {"id": "P1", "type": "user", "name": "A", "email": "ada@example.com"}}]}
    assert rest_spec.validate_response("GET", "/oncalls", 200, expanded, includes=["users"]) == []
    broken = {"oncalls": [{"user": {"id": "P1", "type": "user", "name": "A"}}]}  # a User needs an email
    assert rest_spec.validate_response("GET", "/oncalls", 200, broken, includes=["users"])
    assert rest_spec.validate_response("GET", "/oncalls", 200, expanded)  # not asked to include: not a reference


def test_events_spec_is_served_under_v2() -> None:
    events = load_events_spec()
    assert events.template_for("/v2/enqueue") == "/enqueue"
    good = {
        "routing_key": "k" * 32,
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "h", "severity": "info"},
    }
    assert events.validate_request("POST", "/v2/enqueue", {}, {}, good, True) == []
    bad = {**good, "event_action": "explode"}
    assert events.validate_request("POST", "/v2/enqueue", {}, {}, bad, True)
