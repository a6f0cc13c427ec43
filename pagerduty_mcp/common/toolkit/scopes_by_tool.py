"""The OAuth scopes each tool may need, read from the REST paths in its own code.

A tool names its endpoints as string literals (``"/incidents"``, ``path("/incidents/{}/notes", id)``),
in its body or in the module's helpers it calls. Those paths, looked up in the scope table
(``scope_table``: ``x-pd-requires-scope``, and the fallbacks where PagerDuty states none) give the
tool's scopes: the read scope of each path, and for a write tool also the scopes of the path's
write operations. Events API paths need a routing key, not a scope; a tool that sends events
still states the scope of what the event does (``EVENTS_API_SCOPES``), so that it is shown only
to callers who may do as much. Every tool states at least one scope (a test holds this): a tool
with none would be hidden from every caller whose scopes are known.

``python -m pagerduty_mcp.catalog --scopes`` prints what to put in ``PAGERDUTY_OAUTH_SCOPES``
for each server.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

from pagerduty_mcp.common.toolkit.registry import spec_of
from pagerduty_mcp.rules.scope_table import EVENTS_API_SCOPES, stated_scopes

__all__ = ["paths_of", "scopes_needed", "tool_scopes"]

_WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
_HELPER_DEPTH = 2


def _text(node: ast.AST) -> str | None:
    """A path literal: a string (``{}`` for ``path()``'s ids), or an f-string with ``{*}`` for its
    replacement fields (which may hold several segments)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) if isinstance(v, ast.Constant) else "{*}" for v in node.values)
    else:
        return None
    text = text.split("?", 1)[0]
    return text if text.startswith("/") and len(text) > 1 and " " not in text else None


def _constant(node: ast.AST, module: ModuleType | None) -> str | None:
    """A string literal, or a module-level string constant named (``V3 = "/v3/schedules"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and module is not None:
        value = getattr(module, node.id, None)
        return value if isinstance(value, str) else None
    return None


def _path_text(node: ast.AST, module: ModuleType | None) -> str | None:
    """A path literal, also when built from a named base: ``V3`` or ``V3 + "/{}/rotations"``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant(node.left, module), _constant(node.right, module)
        return _text(ast.Constant(left + right)) if left is not None and right is not None else None
    if isinstance(node, ast.Name):
        value = _constant(node, module)
        return _text(ast.Constant(value)) if value is not None else None
    return _text(node)


def _literal_paths(node: ast.AST, module: ModuleType | None = None) -> dict[str, set[str]]:
    """Path literals under ``node`` -> the HTTP methods they are sent with (``GET`` unless a
    ``.write("PUT", ...)`` or ``.request("POST", ...)`` call says otherwise)."""
    explicit: dict[int, str] = {}
    parts_of_a_path: set[int] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr):
            parts_of_a_path |= {id(v) for v in child.values}  # an f-string counts as one path
        if isinstance(child, ast.BinOp) and _path_text(child, module) is not None:
            parts_of_a_path |= {id(child.left), id(child.right)}  # counted once, as the whole path
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr in ("write", "request")
            and len(child.args) >= 2
            and isinstance(child.args[0], ast.Constant)
            and isinstance(child.args[0].value, str)
        ):
            for inner in ast.walk(child.args[1]):
                explicit[id(inner)] = child.args[0].value.upper()
    found: dict[str, set[str]] = {}
    for child in ast.walk(node):
        text = _path_text(child, module)
        if text is not None and id(child) not in parts_of_a_path:
            found.setdefault(text, set()).add(explicit.get(id(child), "GET"))
    return found


@functools.cache
def _module_functions(module_name: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _area_package(module: str) -> str:
    """The area a tool belongs to (``pagerduty_mcp.servers.people``), whatever module inside it
    declares the tool; outside ``servers``, the module's own package."""
    parts = module.split(".")
    if len(parts) > 3 and parts[:2] == ["pagerduty_mcp", "servers"]:
        return ".".join(parts[:3])
    return module.rsplit(".", 1)[0]


def _callee(node: ast.AST, module_name: str, package: str) -> tuple[str, str] | None:
    """``(module, function)`` of a function defined in the tool's own package that ``node`` calls,
    or names (handed to ``functools.partial`` or ``at_once``, which call it later)."""
    module = sys.modules[module_name]
    target: Any = None
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Name):
        target = getattr(module, func.id, None)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = getattr(module, func.value.id, None)
        if inspect.ismodule(owner):
            target = getattr(owner, func.attr, None)
    target = inspect.unwrap(target) if callable(target) else None
    if not inspect.isfunction(target) or not target.__module__.startswith(package):
        return None
    return target.__module__, target.__name__


def paths_of(fn: Callable[..., Any]) -> dict[str, set[str]]:
    """REST path templates (and their methods) in ``fn`` and in the functions of its own package
    that it calls, two calls deep."""
    package = _area_package(fn.__module__)
    start = (fn.__module__, fn.__name__)
    seen = {start}
    paths: dict[str, set[str]] = {}
    frontier = [(start, 0)]
    while frontier:
        (module_name, name), depth = frontier.pop()
        node: ast.AST | None = _module_functions(module_name).get(name)
        if node is None and (module_name, name) == start:
            node = ast.parse(textwrap.dedent(inspect.getsource(fn)))  # not at module level
        if node is None:
            continue
        for text, methods in _literal_paths(node, sys.modules.get(module_name)).items():
            paths.setdefault(text, set()).update(methods)
        if depth >= _HELPER_DEPTH:
            continue
        for child in ast.walk(node):
            callee = _callee(child, module_name, package) if isinstance(child, (ast.Call, ast.Name)) else None
            if callee is not None and callee not in seen:
                seen.add(callee)
                frontier.append((callee, depth + 1))
    return paths


def _segments(path: str) -> list[str]:
    return [p for p in re.sub(r"\{[^}]*\}", "X", path).split("/") if p]


def _operations(method: str, template: str) -> dict[str, str]:
    """The table's operations that ``method template`` can reach (key -> scope, ``""`` for none).

    ``/x/{*}`` (an f-string ending in a computed field) stands for every operation under ``/x/``.
    """
    parts = _segments(template)
    dynamic_tail = template.endswith("{*}")
    if dynamic_tail:
        parts = parts[:-1]
        if not parts:
            return {}
    reached = {}
    for key, scope in {**stated_scopes(), **EVENTS_API_SCOPES}.items():
        verb, candidate = key.split(" ", 1)
        segments = [s for s in candidate.split("/") if s]
        if verb != method or len(segments) < len(parts) or (not dynamic_tail and len(segments) != len(parts)):
            continue
        if all(s.startswith("{") or s == p for s, p in zip(segments, parts, strict=False)):
            reached[key] = scope
    if not dynamic_tail and reached:
        # The most literal template wins, as PagerDuty routes /users/me before /users/{id}.
        best = max(reached, key=lambda k: sum(not s.startswith("{") for s in k.split("/")))
        reached = {best: reached[best]}
    return reached


def _scopes_for(method: str, template: str) -> set[str]:
    return {scope for scope in _operations(method, template).values() if scope}


def scopes_needed(paths: Mapping[str, Iterable[str]], *, write: bool) -> tuple[str, ...]:
    """The scopes of ``paths`` (template -> methods).

    A read PagerDuty only offers as ``POST`` (analytics queries) takes the ``POST`` scope. A write
    tool whose writes go through a helper taking the path as an argument shows no write method;
    it gets the write scopes of all its paths.
    """
    scopes: set[str] = set()
    for template, methods in paths.items():
        for method in methods:
            verb = "POST" if method == "GET" and not _operations("GET", template) else method
            scopes |= _scopes_for(verb, template)
    if write and not any(m != "GET" for methods in paths.values() for m in methods):
        for template in paths:
            for method in _WRITE_METHODS:
                scopes |= _scopes_for(method, template)
    return tuple(sorted(scopes))


def tool_scopes(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The OAuth scopes a tool may need: declared with ``@tool(scopes=...)``, or read from its code."""
    spec = spec_of(fn)
    if spec.scopes:
        return spec.scopes
    paths = paths_of(fn)
    if spec.confirm is not None:  # the question's reads (who is on call, names): the tool needs them too
        for text, methods in paths_of(spec.confirm).items():
            paths.setdefault(text, set()).update(methods)
    return scopes_needed(paths, write=spec.is_write)
