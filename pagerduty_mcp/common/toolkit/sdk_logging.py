"""The log handler the SDK's server constructor adds, and the import it costs when it is not used.

``MCPServer.__init__`` imports ``rich`` (tens of milliseconds at every start) to build a handler
for ``logging.basicConfig``, which adds nothing once the root logger has a handler: and ``serve``
configures logging first. Then the constructor runs as if ``rich`` were not installed, and
builds (and drops) a plain handler instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["unused_handler_not_built"]

_RICH = ("rich.console", "rich.logging")


@contextmanager
def unused_handler_not_built() -> Iterator[None]:
    """Inside: ``rich`` is not importable, when the root logger has a handler already (and rich is
    not loaded anyway). Outside, everything is as before."""
    if not logging.getLogger().handlers or any(name in sys.modules for name in _RICH):
        yield
        return
    for name in _RICH:
        sys.modules[name] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        yield
    finally:
        for name in _RICH:
            if sys.modules.get(name) is None:
                del sys.modules[name]
