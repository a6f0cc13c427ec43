"""Cleaning text that comes from outside the account before a model reads it.

Alert bodies, notes, titles and log entries are written by monitors and people we do not
control. Invisible characters can hide instructions or reorder what a reader sees, so they are
removed, and long values are cut so that one noisy alert cannot flood the model's context.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TRUNCATION_MARKER", "clean_text", "clean_tree", "truncate"]

# C0/C1 controls except tab and newline, bidi embeddings/overrides/isolates and marks,
# zero-width characters and the BOM, plus the Unicode "tag" block used to smuggle text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f]"
)
TRUNCATION_MARKER = "…[cut {n} chars]"


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to about ``limit`` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_MARKER.format(n=len(text) - limit)


def clean_text(text: str, limit: int = 2000) -> str:
    """Strip invisible and control characters from untrusted text, then cut it to ``limit``."""
    return truncate(_INVISIBLE.sub("", text), limit)


def clean_tree(value: Any, limit: int = 500, max_items: int = 50, depth: int = 6) -> Any:
    """Clean every string in a JSON-like value (alert bodies, custom details).

    Keys are cleaned too, and lists and nesting are bounded so that a hostile payload cannot
    make the answer arbitrarily large.
    """
    if isinstance(value, str):
        return clean_text(value, limit)
    if depth <= 0:
        return "…[nested too deep]"
    if isinstance(value, dict):
        items = list(value.items())
        out = {clean_text(str(k), 100): clean_tree(v, limit, max_items, depth - 1) for k, v in items[:max_items]}
        if len(items) > max_items:
            out["…"] = f"[{len(items) - max_items} more keys cut]"
        return out
    if isinstance(value, list):
        cleaned = [clean_tree(v, limit, max_items, depth - 1) for v in value[:max_items]]
        if len(value) > max_items:
            cleaned.append(f"…[{len(value) - max_items} more items cut]")
        return cleaned
    return value
