"""Completions: what a prompt argument or a resource template variable may be, while it is typed.

Each argument and variable has a :class:`Source`. Objects a tool parameter names (teams, users,
services, schedules, escalation policies) complete from the same cached list that resolves their
names (``toolkit.names``): one list request per credential and minute, so every keystroke after
the first is answered from memory, and one caller's names never answer another. Incidents
complete by number and id (the incidents area's source); fixed choices from the ``Literal`` they
are declared with.

A value is matched by prefix, case-insensitively: a name, or a word of it ("Shifts" finds
"Personalization Shifts"), an id, a user's email. A name two objects share would be ambiguous
wherever it is used, so those two are offered by id instead. At most 100 values are sent, with
``total`` and ``hasMore`` saying how many matched.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcp_types import Completion

from pagerduty_mcp.common.toolkit.directory import finder_of
from pagerduty_mcp.common.toolkit.names import listed_objects
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS

__all__ = ["MAX_VALUES", "Source", "choices", "complete", "matching", "named", "sources_for"]

MAX_VALUES = 100  # the protocol's cap on one answer

# (the value typed so far, the arguments already chosen) -> every matching value, best first.
Values = Callable[[str, Mapping[str, str]], list[str]]


@dataclass(frozen=True)
class Source:
    """Where the values of one argument or variable come from.

    ``finder`` is the read tool that lists those values: completing reveals what it would, so a
    completion is offered only where that tool is (the operator's filter, the caller's narrowing).
    ``None``: values that reveal nothing of the account (a fixed choice).
    """

    values: Values
    finder: str | None = None


def complete(source: Source, typed: str, context: Mapping[str, str] | None = None) -> Completion:
    """The completion of ``typed`` from ``source``: up to 100 values, and how many matched."""
    found = list(dict.fromkeys(source.values(typed, context or {})))
    return Completion(values=found[:MAX_VALUES], total=len(found), has_more=len(found) > MAX_VALUES)


def matching(typed: str, rows: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """Values whose keys start with ``typed`` (case-insensitive): ``rows`` are ``(value, keys)``,
    in the order to offer them. Whole-key matches come first, then word starts."""
    wanted = typed.strip().lower()
    rows = list(rows)
    first = [value for value, keys in rows if any(k.lower().startswith(wanted) for k in keys)]
    words = [
        value
        for value, keys in rows
        if wanted and any(w.startswith(wanted) for k in keys for w in k.lower().split()[1:])
    ]
    return list(dict.fromkeys([*first, *words]))


def named(parameter: str) -> Source:
    """The objects the tool parameter ``parameter`` names (``team_id``: teams), by name or id."""
    kind = NAMED_PARAMETERS[parameter]
    also = kind.also_match

    def values(typed: str, context: Mapping[str, str]) -> list[str]:
        objects = listed_objects(parameter)
        label = {str(row["id"]): str(row.get("name") or row.get("summary") or "").strip() for row in objects}
        sharing: dict[str, int] = {}
        for name in label.values():
            sharing[name.lower()] = sharing.get(name.lower(), 0) + 1
        ids = sorted(label, key=lambda ident: (label[ident].lower(), ident))
        unique = [ident for ident in ids if label[ident] and sharing[label[ident].lower()] == 1]
        rows = [(label[ident], [label[ident]]) for ident in unique]
        # A shared name would be ambiguous wherever it is used: those objects are offered by id.
        rows += [(ident, [ident, label[ident]]) for ident in ids if ident not in unique]
        if typed.strip():  # ids and emails only once something is typed: names read better
            rows += [(ident, [ident]) for ident in unique]
            extra = {str(row["id"]): [str(row.get(f) or "") for f in also] for row in objects}
            rows += [(value, [value]) for ident in ids for value in extra[ident] if value]
        return matching(typed, rows)

    # Where no area declares a finder of this kind, no tool reveals these names: "" is no tool's name.
    finder = finder_of(kind.key)
    return Source(values, finder=finder[0] if finder else "")


def choices(options: Iterable[str]) -> Source:
    """A fixed set of values, in the order given."""
    listed = list(options)
    return Source(lambda typed, context: matching(typed, [(option, [option]) for option in listed]))


def sources_for(
    fn: Callable[..., Any], declared: Mapping[str, Source] | None, *, what: str, names: Iterable[str] | None = None
) -> dict[str, Source]:
    """The source of each of ``fn``'s parameters (or ``names``): the one ``declared``, else the
    objects a tool parameter of that name names, else its ``Literal`` choices. ``ValueError`` for
    one without a source, so no argument is ever left without completions."""
    hints = typing.get_type_hints(fn, include_extras=True)
    wanted = list(names) if names is not None else list(inspect.signature(fn).parameters)
    found: dict[str, Source] = {}
    for name in wanted:
        if declared and name in declared:
            found[name] = declared[name]
        elif name in NAMED_PARAMETERS:
            found[name] = named(name)
        elif (options := _literal(hints.get(name))) is not None:
            found[name] = choices(options)
        else:
            raise ValueError(f"{what}: {name} has no completion source; declare one (completions=...)")
    return found


def _literal(annotation: Any) -> list[str] | None:
    """The values of a ``Literal`` annotation, through ``Annotated`` and ``Optional``."""
    if annotation is None:
        return None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _literal(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    if origin in (typing.Union, types.UnionType):
        for arm in typing.get_args(annotation):
            found = _literal(arm)
            if found is not None:
                return found
    return None
