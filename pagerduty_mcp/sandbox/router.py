"""Path routing for the sandbox: ``@route("GET", "/incidents/{id}")`` registers a handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, overload

from pagerduty_mcp.sandbox.model.users import user_by_email
from pagerduty_mcp.sandbox.protocol import ApiRequest, bad_request

if TYPE_CHECKING:
    from pagerduty_mcp.sandbox.model.identity import Principal
    from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["ROUTER", "Context", "Handler", "Route", "Router", "route"]


@dataclass
class Context:
    """What a handler gets: the request, its path parameters, the account's store and the caller."""

    req: ApiRequest
    params: dict[str, str]
    store: Store
    principal: Principal | None

    @property
    def now(self) -> datetime:
        return self.store.clock()

    @overload
    def acting_user(self, required: Literal[True] = True) -> dict[str, Any]: ...

    @overload
    def acting_user(self, required: bool) -> dict[str, Any] | None: ...

    def acting_user(self, required: bool = True) -> dict[str, Any] | None:
        """The user named by the ``From`` header; 400 when it is required and missing, or when no
        user has that email. ``None`` when it is optional and absent."""
        if not required and not self.req.headers.get("from", "").strip():
            return None
        email = self.req.require_from_header()
        user = user_by_email(self.store, email)
        if user is None:
            raise bad_request(errors=[f'The "From" header {email!r} is not the email of a user in this account'])
        return user


Handler = Callable[[Context], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    segments: tuple[str, ...]
    handler: Handler
    auth: bool  # False for the Events API and OAuth, which carry their own credentials

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if not s.startswith("{"))


class Router:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, int], list[Route]] = {}
        self._templates: set[str] = set()

    def add(self, method: str, template: str, handler: Handler, auth: bool = True) -> None:
        segments = tuple(s for s in template.strip("/").split("/") if s)
        key = (method.upper(), len(segments))
        bucket = self._routes.setdefault(key, [])
        if any(_shape(r.segments) == _shape(segments) for r in bucket):
            raise ValueError(f"route {method} {template} is registered twice")
        bucket.append(Route(method.upper(), template, segments, handler, auth))
        bucket.sort(key=_precedence)
        self._templates.add(template)

    def remove(self, method: str, template: str) -> None:
        """Unregister a route (tests that add a temporary one)."""
        segments = tuple(s for s in template.strip("/").split("/") if s)
        bucket = self._routes.get((method.upper(), len(segments)), [])
        bucket[:] = [r for r in bucket if r.segments != segments]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = tuple(p for p in path.strip("/").split("/") if p)
        for candidate in self._routes.get((method.upper(), len(parts)), ()):
            params: dict[str, str] = {}
            for want, got in zip(candidate.segments, parts, strict=True):
                if want.startswith("{"):
                    params[want[1:-1]] = got
                elif want != got:
                    break
            else:
                return candidate, params
        return None

    def path_known(self, path: str) -> bool:
        """Whether any method serves ``path`` (for 405-like answers on a wrong method)."""
        parts = tuple(p for p in path.strip("/").split("/") if p)
        for (_method, size), bucket in self._routes.items():
            if size != len(parts):
                continue
            for candidate in bucket:
                if all(w.startswith("{") or w == g for w, g in zip(candidate.segments, parts, strict=True)):
                    return True
        return False

    def routes(self) -> list[Route]:
        return [r for bucket in self._routes.values() for r in bucket]


def _precedence(route: Route) -> tuple[int, tuple[bool, ...]]:
    """Which of two routes a path matching both goes to, whatever order they were added in: more
    literal segments win (/users/me before /users/{id}); at equal counts, the one whose literals
    sit later in the path (/incidents/{id}/alerts before /incidents/types/{type})."""
    return -route.literal_count, tuple(s.startswith("{") for s in reversed(route.segments))


def _shape(segments: tuple[str, ...]) -> tuple[str, ...]:
    """Segments with parameter names erased: /users/{id} and /users/{user_id} are the same route."""
    return tuple("{}" if s.startswith("{") else s for s in segments)


ROUTER = Router()


def route(method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``method template`` on the shared router."""

    def register(handler: Handler) -> Handler:
        ROUTER.add(method, template, handler, auth=auth)
        return handler

    return register
