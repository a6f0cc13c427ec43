"""``make bench``: what the model pays for each server, and how fast the servers answer.

Run from the repository root: ``uv run python -m bench`` (``--help`` for options). It prints a
table per server and writes the same figures to ``bench/results.json`` so that changes can be
compared in review.

- :mod:`bench.surface`: tool count and the bytes (and estimated tokens) of ``tools/list``.
- :mod:`bench.startup`: ``initialize`` over stdio from a cold process start, and what it is made of.
- :mod:`bench.answers`: a fixed set of answers: response bytes, upstream requests, latency.
- :mod:`bench.pages`: pages of a long list fetched one by one versus concurrently.
- :mod:`bench.report`: the tables.
"""

__all__ = ["MODULES", "SERVER_KEYS"]

from pagerduty_mcp.catalog import SERVERS
from pagerduty_mcp.server import area_module

# server key (as in pagerduty_mcp.catalog.SERVERS) -> the module ``python -m`` runs.
MODULES = {key: area_module(key) for key in SERVERS}
SERVER_KEYS = tuple(MODULES)
