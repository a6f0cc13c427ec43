"""Names wherever ids go: which object a parameter names, and finding it by id, URL or name.

A parameter's name says what it refers to (``team_ids`` are teams, ``assignee_ids`` users:
``toolkit.references``); the kind of object, where PagerDuty lists it (``pagerduty.kinds``). That
drives everything: the published schema says "id, URL or name" for those parameters, the arguments
are resolved before the tool runs (an exact, case-insensitive name, or a user's email, becomes the
id, with one cached list request per credential), an ambiguous name is an error that lists the
candidates, and an unknown one is ``<RESOURCE>_NOT_FOUND`` naming the parameter.

One rule for values shaped like an id: each is tried both as an id and as a name, the likelier
first. ``PLATFORM`` (capitals, no digit) is looked up as a name first and is the id only when no
name matches; ``P1ABC23`` or ``PNHXORC`` (the exact shape of most PagerDuty ids, P and six, or a
longer id with a digit) is taken as the id without a request, and is looked up as a name only when
PagerDuty has no such id (``rename_unknown_ids``).

An unknown value is answered with the closest few names of its kind and their ids
(``toolkit.near_names``), never one picked silently. They come from the kind's whole list, the one
that completions read and that resolves names of kinds PagerDuty cannot search: cached for a minute
per credential, so a second miss costs nothing; when not cached, it costs one walk of that list (up
to 500 objects, 100 a page), and, for an account with more than 500 of the kind, one search by the
name's own words. Without a near name, a short list is shown whole, and a longer one is left to the
tool that lists it (the finder its area declares, ``toolkit.directory``): named plainly on its own
server, as "<tool> on pagerduty-<area>" elsewhere.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pagerduty_mcp.common.pagerduty.client import get_client, get_pool, path
from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure, invalid
from pagerduty_mcp.common.pagerduty.kinds import Kind, Listing
from pagerduty_mcp.common.pagerduty.pagination import paginate, paginate_cursor
from pagerduty_mcp.common.pagerduty.text import clean_text
from pagerduty_mcp.common.toolkit.directory import finder_of
from pagerduty_mcp.common.toolkit.ids import MAX_REFERENCE_LENGTH, NOT_AN_ID, id_in, is_name, resolve_id
from pagerduty_mcp.common.toolkit.near_names import closest, core, shown
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS

__all__ = [
    "cached_list",
    "check_references_exist",
    "finder_hint",
    "is_pagerduty_id",
    "known_ids",
    "listed_objects",
    "rename_unknown_ids",
    "resolve_reference",
    "resolve_references",
    "resolve_variable",
    "resolved_row",
    "unknown",
]

# How long a name lookup is reused for one credential: long enough for one conversation turn's
# calls, short enough that a renamed team is seen soon.
NAME_TTL_SECONDS = 60.0
_MAX_LISTED = 500
_MAX_CANDIDATES = 5
# A kind with at most this many objects is shown whole when no name is near (priorities, say).
_SHOWN_WHOLE = 5
_MAX_EXISTENCE_CHECKS = 20
# PagerDuty's own ids: P + 6 (most objects), Q + 12-13 (incidents, alerts), 26 from a digit
# (automation actions); the sandbox's likewise.
_PAGERDUTY_ID = re.compile(r"^(P[A-Z0-9]{6}|[A-Z][A-Z0-9]{5,19}|[0-9][A-Z0-9]{25})$")
# P and six (about one in seven of them has no digit: PNHXORC), and the longer shapes with a digit in
# them, are likelier ids than names: taken as ids without a request, and looked up as a name only when
# PagerDuty has no such id. A name of that exact shape (PAYMENT) is still found, after that one
# answer; looking every digitless id up as a name first cost a list request on each of them. Any
# other id-shaped value (PLATFORM, DATABASE, PAYMENTS) is likelier a name in capitals, since names
# match in any case: it is looked up as a name first, and is the id only when no name matches.
_UNMISTAKABLE_ID = re.compile(r"^(P[A-Z0-9]{6}|(?=.*[0-9])(Q[A-Z0-9]{12,13}|[0-9][A-Z0-9]{25}))$")


def is_pagerduty_id(value: str) -> bool:
    """Whether ``value`` has the shape of a PagerDuty id (so it is never looked up as a name)."""
    return bool(_PAGERDUTY_ID.fullmatch(value))


def known_ids() -> set[str]:
    """Ids the message in progress has seen exist; outside a message (scripts, tests) nothing is kept."""
    ctx = current_request()
    return ctx.memo.known_ids if ctx.kind else set()


def resolved_row(ident: str) -> tuple[str, dict[str, Any]] | None:
    """The path and the row a name resolution of this message found ``ident`` at, if one did: the
    object's name, and by the path its kind (a shift-based schedule is listed at /v3/schedules)."""
    ctx = current_request()
    return ctx.memo.resolved_rows.get(ident) if ctx.kind else None


def finder_hint(tool: str, area: str) -> str:
    """``tool``, or ``tool on pagerduty-<area>`` when the answering server does not have it."""
    here = current_request().tools
    return tool if here is None or tool in here else f"{tool} on pagerduty-{area}"


_cache: dict[tuple[int, object, str, str], tuple[float, list[dict[str, Any]]]] = {}
_cache_lock = threading.Lock()


def cached_list(
    path: str, key: str, params: Mapping[str, Any] | None = None, *, cursor: bool = False, limit: int = _MAX_LISTED
) -> list[dict[str, Any]]:
    """What PagerDuty lists at ``path`` for ``params`` (at most ``limit`` rows), reused for a minute.

    Kept per account (the pool) and per credential: under ``--auth pagerduty`` or ``oauth`` every
    caller has their own, so one caller's list never answers another's lookup or completion.
    """
    query = json.dumps(dict(params or {}), sort_keys=True, default=str)
    cache_key = (get_pool().serial, current_request().credential, path, f"{query}:{limit}")
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(cache_key)
        if hit is not None and hit[0] > now:
            return hit[1]
    if cursor:
        rows = paginate_cursor(get_client(), path, key, dict(params or {}), limit=limit).items
    else:
        rows = paginate(get_client(), path, key, dict(params or {}), limit=limit, with_total=False).items
    with _cache_lock:
        _cache[cache_key] = (now + NAME_TTL_SECONDS, rows)
        if len(_cache) > 1024:  # bounded: forget the oldest half
            for stale in sorted(_cache, key=lambda k: _cache[k][0])[:512]:
                del _cache[stale]
    return rows


def _listed(listing: Listing, query: str) -> list[dict[str, Any]]:
    """The objects PagerDuty lists for ``query`` (all of them for ``""``), reused for a minute per credential."""
    params: dict[str, Any] = {listing.search: query} if listing.search and query else {}
    return cached_list(listing.path, listing.key, params, cursor=listing.cursor)


def listed_objects(parameter: str) -> list[dict[str, Any]]:
    """Every object (up to a bound per kind) that ``parameter`` may name, from the same cached list
    that resolves names: what completions offer."""
    return [row for listing in NAMED_PARAMETERS[parameter].listings for row in _listed(listing, "")]


def _matches(kind: Kind, row: dict[str, Any], wanted: str) -> bool:
    fields = ("name", "summary", *kind.also_match)
    return any(str(row.get(f) or "").strip().lower() == wanted for f in fields)


def _label(row: dict[str, Any]) -> str:
    return f"{clean_text(str(row.get('name') or row.get('summary')), 60)} ({row['id']})"


def resolve_reference(value: str, parameter: str, *, label: str | None = None) -> str:
    """The id that ``value`` (an id, or an exact name or email) names for ``parameter``.

    ``label`` is what errors call the value when it did not come as that parameter (a resource
    template's variable); by default, the parameter.
    """
    kind = NAMED_PARAMETERS.get(parameter)
    said = label or parameter
    text = value.strip()
    ident = id_in(text)  # an id, or the object's URL
    if kind is None or (ident is not None and (_UNMISTAKABLE_ID.fullmatch(ident) or text.startswith("https://"))):
        return ident or text
    could_be_an_id = ident is not None and is_pagerduty_id(ident)
    wanted = text.lower()
    for listing in kind.listings:
        found = [row for row in _listed(listing, text) if _matches(kind, row, wanted)]
        if len(found) == 1:
            known_ids().add(str(found[0]["id"]))
            _remember(listing.path, found[0])
            return str(found[0]["id"])
        if len(found) > 1:
            listed = ", ".join(_label(r) for r in found)
            raise ToolFailure(
                "AMBIGUOUS_NAME",
                f"{said}: {len(found)} {kind.noun} names match {clean_text(text, 80)!r}: "
                f"{listed[:600]}. Pass the id of the one you mean.",
                {"parameters": [said], "candidates": shown(found[:_MAX_CANDIDATES])},
                untrusted=True,  # the candidates' names are the account's free text
            )
    if could_be_an_id and ident is not None:
        return ident  # no such name: the id it looks like (an empty answer then checks it exists)
    raise unknown(kind, said, text)


def _remember(listed_at: str, row: dict[str, Any]) -> None:
    """Keep the row a name was found in for the rest of the message (outside one, nothing is kept)."""
    ctx = current_request()
    if ctx.kind:
        ctx.memo.resolved_rows[str(row["id"])] = (listed_at, row)


def unknown(kind: Kind, parameter: str, value: str, message: str | None = None) -> ToolFailure:
    """``<KIND>_NOT_FOUND`` for ``value`` given as ``parameter``: ``message`` (by default, that no
    object has that id or name), then the closest names with their ids, or the whole list when it
    is short, or the tool that lists valid ones."""
    said = message or f"no {kind.noun} with id or name {clean_text(value, 80)!r}"
    details: dict[str, Any] = {"parameters": [parameter]}
    rows = _candidates(kind, value) if value.strip() else None
    near = closest(value, rows or [], kind)
    if near:
        details["suggestions"] = shown(near)
        tail = f"Closest: {', '.join(_label(r) for r in near)}; pass the id of the one meant."
    elif rows is not None and len(rows) <= _SHOWN_WHOLE:
        if rows:
            details["suggestions"] = shown(rows)
        listed = ", ".join(_label(r) for r in rows)
        tail = f"The account's {kind.plural}: {listed}." if rows else f"The account has no {kind.plural}."
    else:
        finder = finder_of(kind.key)
        tail = f"{finder_hint(*finder)} finds valid ones." if finder and finder[0] not in said else ""
    said = said.rstrip(" ;")
    if not said.endswith((".", "!", "?")):
        said += "."  # PagerDuty's own words end in a quote
    text = f"{parameter}: {said} {tail}".rstrip()
    return ToolFailure(kind.code, text, details, untrusted=bool(details.get("suggestions")))


def _candidates(kind: Kind, value: str) -> list[dict[str, Any]] | None:
    """The objects of ``kind`` near names are picked from: its whole list (cached), and where that
    list is cut at the bound, what PagerDuty finds by the name's own words. ``None`` when the list
    cannot be read (a role that may not list them): the error then stands without suggestions."""
    rows: list[dict[str, Any]] = []
    read = False
    for listing in kind.listings:
        try:
            listed = _listed(listing, "")
            if len(listed) >= _MAX_LISTED and listing.search:
                searched = {value.strip(), core(value, kind)} - {""}
                listed = [*listed, *(row for query in sorted(searched) for row in _listed(listing, query))]
        except ToolFailure as failure:
            if failure.code == "CANCELLED":
                raise
            continue
        rows += listed
        read = True
    return rows if read else None


def rename_unknown_ids(
    given: Mapping[str, Any], arguments: dict[str, Any], parameters: Sequence[str], failure: ToolFailure
) -> dict[str, Any] | None:
    """``arguments`` with each value that was taken as an id without being tried as a name, and
    that PagerDuty said does not exist (``failure``), replaced by the id of the one object named
    exactly that; ``None`` when there is none to replace. ``given`` are the arguments before names
    were resolved: a value that came from a name is not looked up again."""
    renamed = dict(arguments)
    changed = False
    for parameter in parameters:
        kind = NAMED_PARAMETERS[parameter]
        if kind.code != failure.code or failure.details.get("parameters", [parameter]) != [parameter]:
            continue
        sent, now = given.get(parameter), arguments.get(parameter)
        pairs = (
            list(zip(sent, now, strict=False)) if isinstance(sent, list) and isinstance(now, list) else [(sent, now)]
        )
        values = []
        for before, after in pairs:
            ident = _exact_name(kind, after) if isinstance(after, str) and before == after else None
            changed |= ident is not None
            values.append(ident or after)
        renamed[parameter] = values if isinstance(now, list) else values[0]
    return renamed if changed else None


def _exact_name(kind: Kind, value: str) -> str | None:
    """The id of the one object of ``kind`` named ``value`` exactly, for a value shaped like an id
    that was taken as one without a lookup; ``None`` otherwise."""
    if not _UNMISTAKABLE_ID.fullmatch(value) or value in known_ids():
        return None
    wanted = value.lower()
    for listing in kind.listings:
        try:
            found = [row for row in _listed(listing, value) if _matches(kind, row, wanted)]
        except ToolFailure as failure:  # the lookup is a second chance: the first answer stands
            if failure.code == "CANCELLED":
                raise
            return None
        if len(found) == 1 and str(found[0]["id"]) != value:
            known_ids().add(str(found[0]["id"]))
            return str(found[0]["id"])
        if found:
            return None
    return None


def resolve_variable(value: str, parameter: str, variable: str) -> str:
    """The id a resource template's ``variable`` names, taking what the tool parameter ``parameter``
    takes (an id, a PagerDuty URL, and where that parameter names objects, an exact name), checked
    and resolved exactly as for that tool; errors name the variable."""
    if len(value) > MAX_REFERENCE_LENGTH:
        raise invalid(variable, f"at most {MAX_REFERENCE_LENGTH} characters")
    if parameter not in NAMED_PARAMETERS:
        return resolve_id(value, variable)
    if id_in(value) is None and not is_name(value):
        raise invalid(variable, f"{clean_text(value, 80)!r} is {NOT_AN_ID}, nor a name")
    return resolve_reference(value, parameter, label=variable)


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
                raise unknown(
                    NAMED_PARAMETERS[parameter],
                    parameter,
                    ident,
                    f"no {NAMED_PARAMETERS[parameter].noun} with id or name {clean_text(ident, 80)!r} in this account",
                )


def _exists(ident: str, kind: Kind) -> bool:
    known = known_ids()
    if ident in known:
        return True
    client = get_client()
    for listing in kind.listings:
        if not listing.by_id:  # PagerDuty has no GET of one: the (cached) list says
            if any(row.get("id") == ident for row in _listed(listing, "")):
                known.add(ident)
                return True
            continue
        try:
            client.read(path(f"{listing.path}/{{}}", ident))
            known.add(ident)
            return True
        except ToolFailure as failure:
            if not failure.code.endswith("_NOT_FOUND"):
                raise
    return False
