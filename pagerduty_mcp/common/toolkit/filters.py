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
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.toolkit.names import finder_hint, known_ids
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS, RESOURCES

__all__ = ["check_filter_ids"]

_MAX_CHECKS = 20


def check_filter_ids(
    client: PagerDutyClient, items: Sequence[Any], filters: Mapping[str, Sequence[str] | None]
) -> None:
    """If ``items`` is empty, raise ``<KIND>_NOT_FOUND`` for the first filter id that does not exist."""
    if items:
        return
    checked = 0
    known = known_ids()
    for parameter, ids in filters.items():
        # The one table of what parameters name: its path, its noun, and the tool that lists it.
        resource = RESOURCES[NAMED_PARAMETERS[parameter][0]]
        for ident in ids or ():
            if ident in known:
                continue
            if checked >= _MAX_CHECKS:
                return
            checked += 1
            try:
                client.read(path(f"{resource.path}/{{}}", ident))
                known.add(ident)
            except ToolFailure as failure:
                if not failure.code.endswith("_NOT_FOUND"):
                    raise
                raise ToolFailure(
                    failure.code,
                    f"{parameter}: no {resource.noun} with id {ident} in this account; "
                    f"{finder_hint(resource.finder, resource.area)} finds valid ones.",
                    {"parameters": [parameter]},
                ) from None
