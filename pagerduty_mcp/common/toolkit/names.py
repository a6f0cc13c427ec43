"""Names wherever ids go: which object a parameter names, and finding it by id, URL or name.

A parameter's name says what it refers to (``team_ids`` are teams, ``assignee_ids`` users). That
one table drives everything: the published schema says "id, URL or name" for those parameters,
the arguments are resolved before the tool runs (an exact, case-insensitive name, or a user's
email, becomes the id, with one cached list request per credential), an ambiguous name is an error
that lists the candidates, and an unknown one is ``<RESOURCE>_NOT_FOUND`` naming the parameter.
Hints name the tool that lists valid values, and the server it lives on when it is another one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from typing import Any

from pagerduty_mcp.common.pagerduty.client import get_client, get_pool, path
from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.pagination import paginate, paginate_cursor
from pagerduty_mcp.common.pagerduty.text import clean_text
from pagerduty_mcp.common.toolkit.ids import id_in
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS, RESOURCES, Resource

__all__ = [
    "check_references_exist",
    "finder_hint",
    "is_pagerduty_id",
    "known_ids",
    "resolve_reference",
    "resolve_references",
]

# How long a name lookup is reused for one credential: long enough for one conversation turn's
# calls, short enough that a renamed team is seen soon.
NAME_TTL_SECONDS = 60.0
_MAX_LISTED = 500
_MAX_CANDIDATES = 5
_MAX_EXISTENCE_CHECKS = 20
# PagerDuty's own ids: P + 6 (most objects), Q + 12-13 (incidents, alerts), 26 from a digit
# (automation actions); the sandbox's likewise.
_PAGERDUTY_ID = re.compile(r"^(P[A-Z0-9]{6}|[A-Z][A-Z0-9]{5,19}|[0-9][A-Z0-9]{25})$")


def is_pagerduty_id(value: str) -> bool:
    """Whether ``value`` has the shape of a PagerDuty id (so it is never looked up as a name)."""
    return bool(_PAGERDUTY_ID.fullmatch(value))


def known_ids() -> set[str]:
    """Ids the message in progress has seen exist; outside a message (scripts, tests) nothing is kept."""
    ctx = current_request()
    return ctx.known_ids if ctx.kind else set()


def finder_hint(tool: str, area: str) -> str:
    """``tool``, or ``tool on pagerduty-<area>`` when the answering server does not have it."""
    here = current_request().tools
    return tool if here is None or tool in here else f"{tool} on pagerduty-{area}"


_cache: dict[tuple[int, object, str, str], tuple[float, list[dict[str, Any]]]] = {}
_cache_lock = threading.Lock()


def _listed(resource: Resource, query: str) -> list[dict[str, Any]]:
    """The objects PagerDuty lists for ``query`` (or all of them), reused for a minute per credential."""
    # Per pool (one account: a server's, or a test's sandbox) and per credential.
    key = (get_pool().serial, current_request().credential, resource.path, query.lower() if resource.searchable else "")
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    params: dict[str, Any] = {resource.search_parameter: query} if resource.searchable else {}
    if resource.cursor:
        rows = paginate_cursor(get_client(), resource.path, resource.key, params, limit=_MAX_LISTED).items
    else:
        rows = paginate(get_client(), resource.path, resource.key, params, limit=_MAX_LISTED, with_total=False).items
    with _cache_lock:
        _cache[key] = (now + NAME_TTL_SECONDS, rows)
        if len(_cache) > 1024:  # bounded: forget the oldest half
            for stale in sorted(_cache, key=lambda k: _cache[k][0])[:512]:
                del _cache[stale]
    return rows


def _matches(resource: Resource, row: dict[str, Any], wanted: str) -> bool:
    fields = ("name", "summary", *resource.also_match)
    return any(str(row.get(f) or "").strip().lower() == wanted for f in fields)


def resolve_reference(value: str, parameter: str) -> str:
    """The id that ``value`` (an id, or an exact name or email) names for ``parameter``."""
    kinds = NAMED_PARAMETERS.get(parameter)
    text = value.strip()
    ident = id_in(text)  # an id, or the object's URL
    if kinds is None or (ident is not None and (is_pagerduty_id(ident) or text.startswith("https://"))):
        return ident or text
    wanted = text.lower()
    for kind in kinds:
        resource = RESOURCES[kind]
        found = [row for row in _listed(resource, text) if _matches(resource, row, wanted)]
        if len(found) == 1:
            known_ids().add(str(found[0]["id"]))
            return str(found[0]["id"])
        if len(found) > 1:
            shown = ", ".join(f"{clean_text(str(r.get('name') or r.get('summary')), 60)} ({r['id']})" for r in found)
            raise ToolFailure(
                "AMBIGUOUS_NAME",
                f"{parameter}: {len(found)} {resource.noun} names match {clean_text(text, 80)!r}: "
                f"{shown[:600]}. Pass the id of the one you mean.",
                {
                    "parameters": [parameter],
                    "candidates": [{"id": r["id"], "name": r.get("name") or r.get("summary")} for r in found][
                        :_MAX_CANDIDATES
                    ],
                },
            )
    resource = RESOURCES[kinds[0]]
    raise ToolFailure(
        resource.code,
        f"{parameter}: no {resource.noun} with id or name {clean_text(text, 80)!r}; "
        f"{finder_hint(resource.finder, resource.area)} finds valid ones.",
        {"parameters": [parameter]},
    )


def resolve_references(arguments: dict[str, Any], parameters: Sequence[str]) -> dict[str, Any]:
    """``arguments`` with every named object among ``parameters`` replaced by its id."""
    resolved = dict(arguments)
    for parameter in parameters:
        value = resolved.get(parameter)
        if isinstance(value, str):
            resolved[parameter] = resolve_reference(value, parameter)
        elif isinstance(value, list):
            resolved[parameter] = [resolve_reference(v, parameter) if isinstance(v, str) else v for v in value]
    return resolved


def check_references_exist(arguments: dict[str, Any], parameters: Sequence[str]) -> None:
    """After an empty answer: fail on the first named object that does not exist.

    PagerDuty answers a list filtered by an unknown id with an empty page, which a model reads as
    "none". Checking only empty answers keeps every other answer free of extra requests.
    """
    checked = 0
    for parameter in parameters:
        value = arguments.get(parameter)
        for ident in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if checked >= _MAX_EXISTENCE_CHECKS or not isinstance(ident, str):
                return
            checked += 1
            if not _exists(ident, NAMED_PARAMETERS[parameter]):
                resource = RESOURCES[NAMED_PARAMETERS[parameter][0]]
                raise ToolFailure(
                    resource.code,
                    f"{parameter}: no {resource.noun} with id or name {clean_text(ident, 80)!r} in this account; "
                    f"{finder_hint(resource.finder, resource.area)} finds valid ones.",
                    {"parameters": [parameter]},
                )


_LISTED_ONLY = ("priorities", "status_pages")  # kinds PagerDuty has no GET /<kind>/{id} for


def _exists(ident: str, kinds: Sequence[str]) -> bool:
    known = known_ids()
    if ident in known:
        return True
    client = get_client()
    for kind in kinds:
        resource = RESOURCES[kind]
        if kind in _LISTED_ONLY:
            if any(row.get("id") == ident for row in _listed(resource, "")):
                known.add(ident)
                return True
            continue
        try:
            client.read(path(f"{resource.path}/{{}}", ident))
            known.add(ident)
            return True
        except ToolFailure as failure:
            if not failure.code.endswith("_NOT_FOUND"):
                raise
    return False
