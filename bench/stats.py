"""Summaries of repeated timings: the median, and the spread that says how far to trust it."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["spread", "tokens"]

BYTES_PER_TOKEN = 4
TOKEN_METHOD = (
    "bytes / 4, rounded up: the usual rule of thumb for English and JSON with BPE tokenizers "
    "(no tokenizer ships offline here). Schema-heavy JSON often runs 3-4 bytes a token, so "
    "read it as a lower bound within about 25%."
)


def tokens(size: int) -> int:
    """Estimated tokens of ``size`` bytes (see :data:`TOKEN_METHOD`)."""
    return -(-size // BYTES_PER_TOKEN)


def spread(samples: Sequence[float], digits: int = 1) -> dict[str, float | int]:
    """Median, minimum and maximum of ``samples`` (in the samples' unit), and how many there were."""
    if not samples:
        raise ValueError("no samples")
    return {
        "median": round(statistics.median(samples), digits),
        "min": round(min(samples), digits),
        "max": round(max(samples), digits),
        "runs": len(samples),
    }
