"""PagerDuty's rule for a custom field value of each data type: one copy for the tools that check
values before sending them and for the sandbox that refuses them as PagerDuty does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["value_fits"]

# The longest text value PagerDuty keeps in a custom field.
MAX_TEXT = 200


def value_fits(data_type: str, item: Any) -> bool:
    """Whether ``item`` is a value of a field of ``data_type`` (one item of a multi-value field)."""
    if data_type == "boolean":
        return isinstance(item, bool)
    if data_type == "integer":
        return isinstance(item, int) and not isinstance(item, bool)
    if data_type == "float":
        return isinstance(item, int | float) and not isinstance(item, bool)
    if not isinstance(item, str) or len(item) > MAX_TEXT:
        return False
    if data_type == "url":
        return item.startswith(("http://", "https://"))
    if data_type == "datetime":
        try:
            datetime.fromisoformat(item.replace("Z", "+00:00"))
        except ValueError:
            return False
    return True
