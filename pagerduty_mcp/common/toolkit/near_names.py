"""Names that almost match: the few objects closest to a name that matched none exactly.

Names are compared as a person means them: case, accents, spaces and punctuation aside ("on-call",
"On Call" and "oncall" are one), and without the words that only say what kind of object it is
("Platform Team" is the team Platform, "Web Service" the service Web, "Database Escalation Policy"
the policy Database Escalation). Then come names that contain every word asked for, or whose words
are all among those asked for (a word misspelt counts, a little less), then near spellings of the
whole ("Chekout API" for "Checkout API"). Nothing here picks an
object: the caller offers these as suggestions, with their ids.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from typing import Any

from pagerduty_mcp.common.pagerduty.kinds import Kind

__all__ = ["MAX_SUGGESTIONS", "closest", "core", "shown", "words"]

MAX_SUGGESTIONS = 3
# Words that say what kind of object a name is, whatever the kind asked for; the kind's own noun
# and collection words join them.
_KIND_WORDS = frozenset(
    {"the", "team", "teams", "service", "services", "schedule", "schedules", "policy", "policies", "ep"}
)
_SAME = 1.0
_ALL_WORDS = 0.55  # every word of one is in the other, plus up to 0.35 for how much they share
_SPELLING = 0.8  # the least similarity of spelling that counts as near
_ENOUGH = 0.5


def words(text: str) -> list[str]:
    """``text`` as lower-case words without accents or punctuation: "Platform-Team" -> platform, team."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in plain).split()


def _ignored(kind: Kind) -> frozenset[str]:
    return _KIND_WORDS | set(words(kind.noun)) | set(words(kind.plural))


def _core(text: str, ignored: frozenset[str]) -> list[str]:
    found = words(text)
    return [w for w in found if w not in ignored] or found


def core(text: str, kind: Kind) -> str:
    """The words of ``text`` that name an object of ``kind``, not its kind (all of them if nothing
    else is left): "Platform Team" -> "platform"."""
    return " ".join(_core(text, _ignored(kind)))


def _score(wanted: list[str], name: list[str]) -> float:
    if not wanted or not name:
        return 0.0
    squashed, other = "".join(wanted), "".join(name)
    if squashed == other:
        return _SAME
    mine, theirs = set(wanted), set(name)
    best = 0.0
    if mine <= theirs or theirs <= mine:
        best = _ALL_WORDS + 0.35 * len(mine & theirs) / len(mine | theirs)
    elif _within(mine, theirs) or _within(theirs, mine):  # the same, but a word misspelt ("Chekout")
        best = 0.9 * (_ALL_WORDS + 0.35 * min(len(mine), len(theirs)) / max(len(mine), len(theirs)))
    spelling = SequenceMatcher(None, squashed, other).ratio()
    if spelling >= _SPELLING:
        best = max(best, spelling * 0.9)
    return best


def _within(few: set[str], many: set[str]) -> bool:
    """Whether every word of ``few`` is a word of ``many`` or a near spelling of one (words of four
    letters or more: "Chekout" for "Checkout", never "api" for "app")."""
    return all(
        word in many or (len(word) >= 4 and any(SequenceMatcher(None, word, w).ratio() >= _SPELLING for w in many))
        for word in few
    )


def _labels(row: dict[str, Any], kind: Kind) -> list[str]:
    """What an object may be called: its name (or summary), and the fields its kind also matches
    (a user's email, and the part before the @)."""
    found = [str(row.get("name") or row.get("summary") or "")]
    for field in kind.also_match:
        value = str(row.get(field) or "")
        found += [value, value.split("@", 1)[0]] if "@" in value else [value]
    return [label for label in found if label.strip()]


def closest(
    wanted: str, rows: Iterable[dict[str, Any]], kind: Kind, limit: int = MAX_SUGGESTIONS
) -> list[dict[str, Any]]:
    """Up to ``limit`` of ``rows`` (objects of ``kind``) whose names come closest to ``wanted``,
    closest first; none when nothing is near."""
    ignored = _ignored(kind)
    asked = _core(wanted, ignored)
    scored: list[tuple[float, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for row in rows:
        ident = str(row.get("id") or "")
        if not ident or ident in seen:
            continue
        seen.add(ident)
        labels = _labels(row, kind)
        score = max((_score(asked, _core(label, ignored)) for label in labels), default=0.0)
        if score >= _ENOUGH:
            scored.append((score, labels[0].casefold(), row))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [row for _, _, row in scored[:limit]]


def shown(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """``[{"id", "name"}]`` of ``rows``, as an error's details offer them."""
    return [{"id": str(r["id"]), "name": str(r.get("name") or r.get("summary") or "")} for r in rows]
