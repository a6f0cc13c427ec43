"""Telling "nothing matches" from "that id does not exist" in filtered lists.

PagerDuty answers a list filtered by an unknown id (or by a name passed where an id belongs) with
an empty page, which a model would read as "no incidents", "nobody", "no services". When a
filtered list comes back empty, the filter ids are checked, so a wrong id is an error that names
the parameter. A non-empty answer costs nothing extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pagerduty_mcp.common.pagerduty.client import PagerDutyClient, path
from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure

__all__ = ["check_filter_ids"]

# filter parameter -> (object path, singular name, the tool that finds valid ids)
_KINDS = {
    "team_ids": ("/teams/{}", "team", "list_teams"),
    "service_ids": ("/services/{}", "service", "list_services"),
    "user_ids": ("/users/{}", "user", "list_users"),
    "escalation_policy_ids": ("/escalation_policies/{}", "escalation policy", "list_escalation_policies"),
    "schedule_ids": ("/schedules/{}", "schedule", "list_schedules"),
}
_MAX_CHECKS = 20


def check_filter_ids(
    client: PagerDutyClient, items: Sequence[Any], filters: Mapping[str, Sequence[str] | None]
) -> None:
    """If ``items`` is empty, raise ``<KIND>_NOT_FOUND`` for the first filter id that does not exist."""
    if items:
        return
    checked = 0
    known = current_request().known_ids
    for parameter, ids in filters.items():
        template, kind, finder = _KINDS[parameter]
        for ident in ids or ():
            if ident in known:
                continue
            if checked >= _MAX_CHECKS:
                return
            checked += 1
            try:
                client.read(path(template, ident))
                known.add(ident)
            except ToolFailure as failure:
                if not failure.code.endswith("_NOT_FOUND"):
                    raise
                raise ToolFailure(
                    failure.code,
                    f"{parameter}: no {kind} with id {ident} in this account; {finder} finds valid ids "
                    "(names are not ids).",
                    {"parameters": [parameter]},
                ) from None
