"""The account's rules, with no HTTP: the store, and one module per resource.

Routes (``sandbox/routes/``) and the seed (``sandbox/seed/``) build on these modules and never on
one another; nothing here imports either of them.
"""

from __future__ import annotations

from pagerduty_mcp.sandbox.model.store import HTML_BASE, KINDS, Store, public

__all__ = ["HTML_BASE", "KINDS", "Store", "public"]
