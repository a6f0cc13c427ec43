"""The kinds of PagerDuty object: the one table of what the code knows about each.

A :class:`Kind` says what the object is called (its noun, and so its ``<KIND>_NOT_FOUND`` code),
which path segments name its collection in PagerDuty's REST API (so that a 404 names the right
object), after which segments a link a person pastes carries its id, and where PagerDuty lists it
by name (so that a tool parameter can take a name). Error codes (``errors``), ids in links
(``toolkit.ids``) and name lookups (``toolkit.names``) all derive from :data:`KINDS`. Which tool
lists a kind is not PagerDuty's business: each area declares the finders it has (``toolkit.area``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KINDS", "LINK_SEGMENTS", "Kind", "Listing", "kind_in_path"]


@dataclass(frozen=True)
class Listing:
    """One list endpoint of a kind, and how PagerDuty filters it by name."""

    path: str  # "/escalation_policies"
    key: str  # the list key in PagerDuty's answer
    search: str | None = "query"  # the parameter filtering by name; None: the whole list is read
    cursor: bool = False  # pages by cursor, not offset
    by_id: bool = True  # ``GET <path>/{id}`` answers one object


@dataclass(frozen=True)
class Kind:
    """A kind of PagerDuty object. ``key`` is its REST collection, as in ``/escalation_policies``."""

    key: str
    noun: str  # "escalation policy"
    segments: tuple[str, ...] = ()  # REST path segments naming its collection; () means (key,)
    links: tuple[str, ...] = ()  # segments of web and API links after which its id follows
    listings: tuple[Listing, ...] = ()  # where it is found by name, tried in order; () for never
    also_match: tuple[str, ...] = ()  # fields matched besides the name (a user's email)

    @property
    def code(self) -> str:
        """``ESCALATION_POLICY_NOT_FOUND``: the stable error code of an unknown one."""
        return re.sub(r"[^A-Z0-9]+", "_", self.noun.upper()) + "_NOT_FOUND"

    @property
    def plural(self) -> str:
        """ "escalation policies": the noun as PagerDuty's collection says it."""
        return self.key.replace("_", " ")

    @property
    def named(self) -> bool:
        """Whether objects of this kind can be found by name."""
        return bool(self.listings)


def _kinds(*kinds: Kind) -> dict[str, Kind]:
    return {kind.key: kind for kind in kinds}


KINDS: dict[str, Kind] = _kinds(
    Kind("incidents", "incident", links=("incidents",)),
    Kind(
        "services",
        "service",
        segments=("services", "technical_services"),
        links=("services", "service-directory"),
        listings=(Listing("/services", "services"),),
    ),
    Kind(
        "business_services",
        "business service",
        links=("business-services", "business_services"),
        listings=(Listing("/business_services", "business_services", search=None),),
    ),
    Kind("users", "user", links=("users",), listings=(Listing("/users", "users"),), also_match=("email",)),
    Kind("teams", "team", links=("teams",), listings=(Listing("/teams", "teams"),)),
    # Layer-based and shift-based (v3) schedules: ids of the same shape, each with its own API.
    Kind(
        "schedules",
        "schedule",
        links=("schedules",),
        listings=(Listing("/schedules", "schedules"), Listing("/v3/schedules", "schedules")),
    ),
    Kind(
        "escalation_policies",
        "escalation policy",
        links=("escalation_policies", "escalation-policies"),
        listings=(Listing("/escalation_policies", "escalation_policies"),),
    ),
    Kind("priorities", "priority", listings=(Listing("/priorities", "priorities", search=None, by_id=False),)),
    Kind(
        "event_orchestrations",
        "event orchestration",
        links=("event-orchestration", "event_orchestrations"),
        listings=(Listing("/event_orchestrations", "orchestrations", search=None),),
    ),
    Kind(
        "status_pages",
        "status page",
        listings=(Listing("/status_pages", "status_pages", search=None, by_id=False),),
    ),
    # …/automation_actions/actions/01ABC… in the API, …/automation/actions/01ABC… in the web app.
    Kind(
        "automation_actions",
        "automation action",
        segments=("actions",),
        links=("actions",),
        listings=(Listing("/automation_actions/actions", "actions", search="name", cursor=True),),
    ),
    Kind("automation_action_invocations", "automation action invocation", segments=("invocations",)),
    Kind(
        "extension_schemas",
        "extension schema",
        listings=(Listing("/extension_schemas", "extension_schemas", search=None),),
    ),
    Kind("alerts", "alert", links=("alerts",)),
    Kind("log_entries", "log entry", links=("log_entries",)),
    Kind("notes", "note"),
    Kind("overrides", "override"),
    Kind("rotations", "rotation"),
    Kind("custom_shifts", "custom shift"),
    Kind("maintenance_windows", "maintenance window", links=("maintenance_windows",)),
    Kind("webhook_subscriptions", "webhook subscription"),
    Kind("extensions", "extension"),
    Kind("integrations", "integration"),
    Kind("alert_grouping_settings", "alert grouping setting", links=("alert-grouping-settings",)),
    Kind("change_events", "change event", links=("change_events",)),
    Kind("incident_workflows", "incident workflow", links=("incident_workflows", "workflows")),
    Kind("contact_methods", "contact method"),
    Kind("notification_rules", "notification rule"),
    Kind("status_updates", "status update"),
    Kind("status_page_posts", "status page post", segments=("posts",)),
)

_BY_SEGMENT: dict[str, Kind] = {segment: kind for kind in KINDS.values() for segment in kind.segments or (kind.key,)}

# Every segment after which a link carries an object's id (…/incidents/Q1ABC, …/service-directory/PABC123).
LINK_SEGMENTS: frozenset[str] = frozenset(segment for kind in KINDS.values() for segment in kind.links)


def kind_in_path(path: str) -> Kind | None:
    """The kind of object a REST path points at: ``/incidents/P1/alerts/P2`` is an alert, and
    ``/incidents/P1/alerts`` or ``/incidents/P1/business_services/impacts`` an incident (the last
    collection followed by an id; ``impacts`` is none: ids are never lower-case words); ``None`` for
    a path of no known kind."""
    segments = [s for s in path.split("?", 1)[0].split("/") if s]
    for i in range(len(segments) - 1, -1, -1):
        if segments[i] in _BY_SEGMENT and i + 1 < len(segments) and not segments[i + 1].islower():
            return _BY_SEGMENT[segments[i]]
    for segment in reversed(segments):
        if segment in _BY_SEGMENT:
            return _BY_SEGMENT[segment]
    return None
