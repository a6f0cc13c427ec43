"""get_service and get_service_dependencies stay within a small, known number of requests."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.sandbox import Sandbox
from tests.harness import first, ok
from tests.servers.services.lookup import by_name, sandbox_of

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services")]


def _requests(box: Sandbox, start: int, prefix: str) -> int:
    return sum(1 for r in list(box.request_log)[start:] if r.path.startswith(prefix))


async def test_get_service_takes_one_request_as_pagerdutys_own_server_does(client: Client) -> None:
    box = sandbox_of(client)
    service = by_name(client, "services", "Edge CDN")
    start = len(box.request_log)
    detail = first(await ok(client, "get_service", {"service_id": service["id"]}))
    assert detail["status"] == "active" and detail["name"] == "Edge CDN"
    assert [r.path for r in list(box.request_log)[start:]] == [f"/services/{service['id']}"]


async def test_dependency_names_are_looked_up_with_a_bounded_fan_out(client: Client) -> None:
    box = sandbox_of(client)
    state = box.state
    hub = by_name(client, "services", "Kubernetes Platform")
    with state.lock:
        for n in range(30):
            name = f"Product {n:02d}"
            business: dict[str, Any] = {"name": name, "description": "", "point_of_contact": "", "team": None}
            state.stamp("business_services", business, name)
            state.put("business_services", business)
            state.dependencies.append(
                {
                    "id": state.new_id(),
                    "type": "service_dependency",
                    "supporting_service": {"id": hub["id"], "type": "service"},
                    "dependent_service": {"id": business["id"], "type": "business_service"},
                }
            )
    start = len(box.request_log)
    envelope = await ok(client, "get_service_dependencies", {"service_id": hub["id"]})
    neighbours = envelope["dependencies"]
    existing = sum(
        1 for d in state.dependencies if hub["id"] in (d["supporting_service"]["id"], d["dependent_service"]["id"])
    )
    assert len(neighbours) == existing > 30
    assert sum(1 for d in neighbours if "name" in d) == 25
    assert "listed by id only" in envelope["metadata"]["notes"][0]
    assert len(list(box.request_log)[start:]) == 2 + 25
