"""The sandbox's HTTP endpoints, one module per resource: thin adapters over :mod:`..model`.

Every module in this folder is loaded (:func:`load`, in name order), which registers its routes;
no route module imports another. A route parses the request, calls the model and shapes the
answer. How to add one:

1. In ``routes/<resource>.py``: ``@route("GET", "/incidents/{id}/notes")`` above ``def handler(ctx: Context)``.
2. ``ctx.params["id"]`` is the path parameter; ``ctx.req`` the request (``arg``, ``array("statuses")``
   for ``statuses[]=``, ``flag``, ``time``, ``entity("incident")`` for a wrapped JSON body);
   ``ctx.acting_user()`` the user its ``From`` header names (400 if none); ``ctx.store`` the account
   (``get(kind, id)`` gives 404 for you); ``ctx.now`` the sandbox's clock.
3. The rules (what is valid, what changes, what is shown) go in ``model/<resource>.py``, which the
   seed uses too; the route only translates.
4. Return a JSON-able body (200), or ``Reply(body, status=201)``/``Reply(None, 204)``; raise
   ``bad_request(...)``, ``not_found(kind, id)`` or ``ApiError(status, message, code, errors)``.
5. Lists: ``paginate_offset(items, ctx.req, "incidents")`` or ``paginate_cursor(...)``.
6. A row in the contract tests (tests/contract/) checks it against PagerDuty's description.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["load"]

_loaded = False


def load() -> None:
    """Import every route module once, which registers its routes on the router."""
    global _loaded
    if _loaded:
        return
    for name in sorted(module.name for module in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{name}")
    _loaded = True
