"""Service dependencies: what a technical or business service depends on and what depends on it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Annotated, Any, Literal, cast

from pagerduty_mcp.common import (
    Envelope,
    PagerDutyClient,
    Ref,
    ToolFailure,
    clean_text,
    get_client,
    id_or_url,
    not_found,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.services.models import Dependency
from pagerduty_mcp.servers.services.params import Id

__all__ = ["get_service_dependencies"]

_NAME_LOOKUPS = 25  # dependency neighbours named per call; more are listed by id only
_LOOKUP_THREADS = 4


def _find_any_service(client: PagerDutyClient, ident: str) -> tuple[str, dict[str, Any]]:
    """A technical service, else a business service, with that id: ("technical"|"business", object)."""
    try:
        return "technical", client.read(path("/services/{}", ident))["service"]
    except ToolFailure as failure:
        if failure.code != "SERVICE_NOT_FOUND":
            raise
    try:
        return "business", client.read(path("/business_services/{}", ident))["business_service"]
    except ToolFailure as failure:
        if failure.code == "BUSINESS_SERVICE_NOT_FOUND":
            raise not_found(
                "service", ident, "no technical or business service has it; list_services finds valid ids"
            ) from None
        raise


def _name_neighbours(client: PagerDutyClient, neighbours: list[Dependency]) -> list[str]:
    """Fill in names (and technical services' status) with a bounded fan-out; returns notes."""
    unique = list(dict.fromkeys((d.kind, d.id) for d in neighbours))
    named, rest = unique[:_NAME_LOOKUPS], unique[_NAME_LOOKUPS:]

    def lookup(key: tuple[str, str]) -> dict[str, Any] | None:
        kind, ident = key
        try:
            if kind == "technical":
                return cast(dict[str, Any], client.read(path("/services/{}", ident))["service"])
            return cast(dict[str, Any], client.read(path("/business_services/{}", ident))["business_service"])
        except ToolFailure as failure:
            if failure.code.endswith("_NOT_FOUND"):
                return None
            raise

    context = copy_context()
    with ThreadPoolExecutor(max_workers=_LOOKUP_THREADS) as pool:
        found = dict(zip(named, pool.map(lambda k: context.copy().run(lookup, k), named), strict=True))
    for dependency in neighbours:
        obj = found.get((dependency.kind, dependency.id))
        if obj:
            dependency.name = clean_text(str(obj.get("name") or obj.get("summary") or ""), 200) or None
            dependency.status = obj.get("status")
    return [f"{len(rest)} neighbour(s) are listed by id only; get_service names them."] if rest else []


@tool("Get service dependencies")
def get_service_dependencies(
    service_id: Annotated[Id, id_or_url("Technical or business service id")],
) -> Envelope:
    """What a service depends on and what depends on it (immediate neighbours, both directions), for
    technical and business services, with names and status. Use it for impact: "what depends on checkout"."""
    client = get_client()
    kind, center = _find_any_service(client, service_id)
    collection = "technical_services" if kind == "technical" else "business_services"
    body = client.read(path("/service_dependencies/" + collection + "/{}", service_id))
    neighbours: list[Dependency] = []
    direction: Literal["depends_on", "dependent"]
    for relation in body.get("relationships") or []:
        supporting, dependent = relation.get("supporting_service") or {}, relation.get("dependent_service") or {}
        if supporting.get("id") == service_id and dependent.get("id"):
            other, direction = dependent, "dependent"
        elif dependent.get("id") == service_id and supporting.get("id"):
            other, direction = supporting, "depends_on"
        else:
            continue
        business = str(other.get("type", "")).startswith("business")
        neighbours.append(Dependency(relation=direction, id=other["id"], kind="business" if business else "technical"))
    notes = _name_neighbours(client, neighbours)
    name = clean_text(str(center.get("name") or service_id), 200)
    ups = sum(1 for d in neighbours if d.relation == "depends_on")
    downs = len(neighbours) - ups
    return respond(
        "dependencies",
        neighbours,
        f"{name} ({kind}) depends on {ups} service(s); {downs} depend on it",
        service=Ref(id=service_id, name=name),
        notes=notes or None,
    )
