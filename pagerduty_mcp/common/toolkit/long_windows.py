"""Windows longer than an endpoint answers at once: cut into the pieces it takes, asked piece by
piece, and the answers joined.

PagerDuty bounds the range of some endpoints (``/oncalls``: 90 days; ``/incidents``: 6 months;
Analytics: one year). A tool asked for a longer window asks each piece and joins what comes back,
so a quarter of 92 days is answered, never refused and never cut short:

- :func:`pieces` cuts ``[start, end)`` into consecutive spans no longer than the endpoint takes,
  and records in the call's window (``metadata.window`` of the answer) how many pieces of how many
  days covered it;
- :func:`join_rows` joins the rows each piece answered: rows with the same key become one, counts
  summed, means weighted by what they are the mean of, fields that cannot be joined (a median of
  medians is not a median) left out of a joined row, and said so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import invalid
from pagerduty_mcp.common.toolkit.times import iso

__all__ = [
    "ANALYTICS_AT_ONCE",
    "ANALYTICS_LONGEST",
    "INCIDENTS_AT_ONCE",
    "ONCALLS_AT_ONCE",
    "Joined",
    "join_rows",
    "pieces",
]

Span = tuple[datetime, datetime]

# The longest range PagerDuty answers at once (its API reference): /oncalls 90 days, /incidents
# six months, Analytics one year (a leap year's 366 days included).
ONCALLS_AT_ONCE = timedelta(days=90)
INCIDENTS_AT_ONCE = timedelta(days=180)
ANALYTICS_AT_ONCE = timedelta(days=366)
# The longest Analytics window a tool asks in pieces: three years, four requests.
ANALYTICS_LONGEST = timedelta(days=1096)


def _days(length: timedelta) -> str:
    days = length / timedelta(days=1)
    return f"{days:g} days" if days != 1 else "1 day"


def pieces(start: datetime, end: datetime, most: timedelta, *, longest: timedelta, said: bool = True) -> list[Span]:
    """``[start, end)`` as consecutive spans of at most ``most`` each (the last may be shorter).

    A window longer than ``longest`` is refused, naming ``until``: it would take more requests than
    one call should make. A window of more than one piece is said in the call's window
    (``pieces``, ``piece_days``), so the answer tells what covered it; ``said=False`` for a second
    cut of the same window (another endpoint's), which the first one already describes."""
    if end - start > longest:
        raise invalid(
            "until",
            f"the window may span at most {_days(longest)}; ask for the rest in another call",
        )
    spans: list[Span] = []
    cursor = start
    while cursor < end:
        spans.append((cursor, min(cursor + most, end)))
        cursor = spans[-1][1]
    if said:
        covered = current_request().memo.window
        covered.update(since=iso(start), until=iso(end))
        if len(spans) > 1:
            covered.update(pieces=len(spans), piece_days=most.days)
    return spans or [(start, end)]


class Joined(list[dict[str, Any]]):
    """Joined rows, and the fields left out of some of them because they could not be joined."""

    dropped: set[str]

    def __init__(self, rows: Iterable[dict[str, Any]] = (), dropped: Iterable[str] = ()) -> None:
        super().__init__(rows)
        self.dropped = set(dropped)


def _weighted(values: list[tuple[float, float]]) -> float | None:
    """The mean of ``(value, weight)`` pairs; without any weight, the plain mean of the values."""
    weight = sum(w for _, w in values)
    if weight > 0:
        return sum(v * w for v, w in values) / weight
    return sum(v for v, _ in values) / len(values) if values else None


def join_rows(
    per_piece: Iterable[Iterable[dict[str, Any]]],
    key: Callable[[dict[str, Any]], Hashable],
    *,
    sums: Collection[str] = (),
    means: Mapping[str, str] = {},
    unjoinable: Collection[str] = (),
) -> Joined:
    """One row per ``key`` over every piece's rows, in the order keys are first seen.

    ``sums`` are added; each of ``means`` is weighted by the field it names (a mean time to
    acknowledge by the incidents acknowledged), whole numbers where the pieces gave whole numbers;
    ``unjoinable`` fields (percentiles) stay only on rows that one piece alone answered.
    Any other field keeps its first value (names, ids, the period a row is about)."""
    groups: dict[Hashable, list[dict[str, Any]]] = {}
    for rows in per_piece:
        for row in rows:
            groups.setdefault(key(row), []).append(row)
    joined = Joined()
    for rows in groups.values():
        if len(rows) == 1:
            joined.append(dict(rows[0]))
            continue
        out: dict[str, Any] = {}
        for row in rows:
            for name, value in row.items():
                if name not in out and name not in sums and name not in means and name not in unjoinable:
                    out[name] = value
        for name in sums:
            found = [row[name] for row in rows if row.get(name) is not None]
            if found:
                out[name] = sum(found)
        for name, weight in means.items():
            pairs = [(float(r[name]), float(r.get(weight) or 0)) for r in rows if r.get(name) is not None]
            mean = _weighted(pairs)
            if mean is not None:
                whole = all(isinstance(r[name], int) for r in rows if r.get(name) is not None)
                out[name] = round(mean) if whole else round(mean, 3)
        joined.dropped |= {name for name in unjoinable if any(name in row for row in rows)}
        joined.append(out)
    return joined
