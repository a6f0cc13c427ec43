"""``resources/list`` worth browsing: the fixed resources, then what each area offers a person to
pick (their open incidents, their teams' schedules), paged with an opaque cursor.

An area declares a :class:`Lister` (``extras.register_resource_list``): a function that reads one
page through the same tool functions a model would call, and turns the rows into resources of one
of its templates. The cursor says which lister and offset come next; a cursor this server did not
hand out (or one whose lister the caller no longer sees) is invalid params, which tells a client
its listing changed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from mcp_types import Resource as MCPResource

from pagerduty_mcp.common.toolkit.reads import Reads

__all__ = ["PAGE_SIZE", "Lister", "ListerPage", "page_of_resources"]

PAGE_SIZE = 50

# (offset, at most this many) -> (resources, the offset of the next page or None when done)
ListerPage = Callable[[int, int], tuple[list[MCPResource], int | None]]


@dataclass(frozen=True)
class Lister:
    """One area's offer for ``resources/list``: its resources come from ``page``, and are shown
    only where every tool in ``reads`` is (the list's and the template's that reads them)."""

    name: str
    reads: Reads
    page: ListerPage


def _encode(lister: str, offset: int) -> str:
    raw = json.dumps({"l": lister, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, listers: Sequence[Lister]) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        index = [lister.name for lister in listers].index(data["l"])
        offset = data["o"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise MCPError(INVALID_PARAMS, "Invalid cursor: list the resources again from the start") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise MCPError(INVALID_PARAMS, "Invalid cursor: list the resources again from the start")
    return index, offset


def page_of_resources(
    fixed: Sequence[MCPResource], listers: Sequence[Lister], cursor: str | None, size: int | None = None
) -> tuple[list[MCPResource], str | None]:
    """One page (``PAGE_SIZE`` by default): the fixed resources first, then each lister's in
    turn; and the next cursor.

    Blocking (the listers read PagerDuty): run it on a worker thread.
    """
    size = size or PAGE_SIZE
    index, offset = (0, 0) if cursor is None else _decode(cursor, listers)
    found = list(fixed) if cursor is None else []
    while index < len(listers) and len(found) < size:
        rows, following = listers[index].page(offset, size - len(found))
        found += rows
        if following is not None:
            return found, _encode(listers[index].name, following)
        index, offset = index + 1, 0
    return found, _encode(listers[index].name, 0) if index < len(listers) else None
