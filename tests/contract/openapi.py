"""PagerDuty's OpenAPI descriptions as a validator for requests and responses.

The REST spec is read from ``$PAGERDUTY_OPENAPI_SPEC`` or ``../shared/pagerduty-api/rest-openapiv3.json``
relative to the repository root (the Events API spec from the same folder); it is never copied
into the repository. :func:`load_spec` skips the calling test with a clear reason when it is absent.

OpenAPI 3.0 is not JSON Schema, so the spec is adapted once, when loaded:
- ``nullable: true`` becomes a ``null``-admitting type;
- ``$ref`` is resolved through a ``referencing`` registry (the document is its own resource);
- ``format: date-time`` is checked; other formats are descriptive only;
- ``readOnly``/``writeOnly`` and ``discriminator`` are ignored, as JSON Schema does.

Four deliberate leniencies, all for responses only:
- an optional (not ``required``) property may be ``null``: the live API returns ``null`` for
  absent optional values (``resolved_at``, ``priority``, ``description``...) where the spec often
  forgets ``nullable``;
- a 2xx status the operation does not declare is checked against its one declared 2xx response
  (the spec gives ``201`` for some reads that answer ``200``).
- ``include[]=X`` expands references to full objects, which the spec still types as references:
  each expanded object is checked against the full schema of its ``type`` (``user`` -> ``User``)
  and then folded back into a reference for the surrounding check.
- ``oneOf`` is checked as ``anyOf``: several of the spec's ``oneOf`` branches overlap (log entry
  channels, alert grouping parameters), so one valid object matches more than one branch.
Requests get none of these: what our tools send must match the spec as written.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

__all__ = [
    "ENV_SPEC",
    "Operation",
    "Spec",
    "load_events_spec",
    "load_spec",
    "spec_path",
]

ENV_SPEC = "PAGERDUTY_OPENAPI_SPEC"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "pagerduty-api"
REST_FILE = "rest-openapiv3.json"
EVENTS_FILE = "events-v2-openapiv3.json"
METHODS = ("get", "put", "post", "delete", "patch")
IGNORED_HEADERS = {"accept", "content-type"}


def spec_path(filename: str = REST_FILE) -> Path:
    configured = os.environ.get(ENV_SPEC)
    if configured:
        rest = Path(configured)
        return rest if filename == REST_FILE else rest.with_name(filename)
    return DEFAULT_DIR / filename


def _skip_reason(path: Path) -> str:
    return (
        f"PagerDuty's OpenAPI description is not at {path}: put the PagerDuty/api-schema files in "
        f"../shared/pagerduty-api/ next to the repository, or set {ENV_SPEC} to rest-openapiv3.json"
    )


def load_spec() -> Spec:
    """The REST API v2 spec, or skip the test with the reason."""
    return _load(str(spec_path(REST_FILE)), "")


def load_events_spec() -> Spec:
    """The Events API v2 spec (its paths served under ``/v2``), or skip the test."""
    return _load(str(spec_path(EVENTS_FILE)), "/v2")


def _load(path: str, prefix: str) -> Spec:
    if not Path(path).is_file():
        pytest.skip(_skip_reason(Path(path)))
    return _cached_spec(path, prefix)


@functools.cache
def _cached_spec(path: str, prefix: str) -> Spec:
    with open(path, encoding="utf-8") as handle:
        return Spec(json.load(handle), prefix)


# -- adapting OpenAPI 3.0 to JSON Schema draft 4 ------------------------------------------------------
def _adapt(node: Any, lenient: bool) -> Any:
    if isinstance(node, list):
        return [_adapt(item, lenient) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _adapt(value, lenient) for key, value in node.items()}
    if out.pop("nullable", False):
        out = _nullable(out)
    out.pop("discriminator", None)
    if out.get("pattern") == "YYYY-MM-DDThh:mm:ssZ":  # a format written as a placeholder, not a regex
        out.pop("pattern")
    if lenient and "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if lenient and isinstance(out.get("properties"), dict):
        required = set(out.get("required") or [])
        out["properties"] = {
            name: schema if name in required else _nullable(schema) for name, schema in out["properties"].items()
        }
    return out


def _nullable(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema and not any(k in schema for k in ("allOf", "oneOf", "anyOf")):
        result = dict(schema, type=[kind, "null"])
        if "enum" in result and None not in result["enum"]:
            result["enum"] = [*result["enum"], None]
        return result
    if schema.get("anyOf") and any(s == {"type": "null"} for s in schema["anyOf"]):
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _repoint(document: Any) -> Any:
    """Fix ``$ref`` pointers that pass through a property the adapted copy wrapped in
    ``anyOf: [schema, null]`` (the spec points deep into other schemas, e.g. ``.../allOf/0``)."""

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                node["$ref"] = "#/" + "/".join(_route(ref[2:].split("/")))
            for value in node.values():
                walk(value)

    def _route(parts: list[str]) -> list[str]:
        out, target = [], document
        for part in parts:
            key: Any = int(part) if isinstance(target, list) else part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and key not in target and "anyOf" in target and not _renamed(target, key):
                out += ["anyOf", "0"]
                target = target["anyOf"][0]
            if isinstance(target, dict) and _renamed(target, key):
                part = key = "anyOf"  # the lenient copy checks oneOf as anyOf
            out.append(part)
            try:
                target = target[key]
            except (KeyError, IndexError, TypeError):
                return parts
        return out

    def _renamed(target: dict[str, Any], key: Any) -> bool:
        wrapper = target.get("anyOf") or []
        nullable = len(wrapper) == 2 and wrapper[1] == {"type": "null"}
        return key == "oneOf" and key not in target and "anyOf" in target and not nullable

    walk(document)
    return document


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in value and parsed.tzinfo is not None


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date-time")(_date_time)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class Operation:
    method: str
    template: str
    definition: dict[str, Any]
    parameters: list[dict[str, Any]] = field(default_factory=list)


class Spec:
    """One OpenAPI document, ready to match paths and validate exchanges."""

    def __init__(self, document: dict[str, Any], prefix: str = "") -> None:
        self.raw = document
        self.prefix = prefix
        self._strict_doc = _repoint(_adapt(document, lenient=False))  # nullable wraps properties there too
        self._lenient_doc = _repoint(_adapt(document, lenient=True))
        self._registries = {
            lenient: Registry().with_resource(self._uri(lenient), Resource(doc, DRAFT4))
            for lenient, doc in ((False, self._strict_doc), (True, self._lenient_doc))
        }
        self._templates = [
            (tuple(p for p in path.strip("/").split("/") if p), path) for path in document.get("paths", {})
        ]

    @staticmethod
    def _uri(lenient: bool) -> str:
        return "urn:pagerduty-openapi:" + ("lenient" if lenient else "strict")

    # -- lookups ------------------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        """Follow ``$ref`` chains inside the raw document."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            target: Any = self.raw
            for part in node["$ref"].lstrip("#/").split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
            node = target
            seen += 1
        return node

    def template_for(self, path: str) -> str | None:
        """The spec's path template for a concrete path (literal segments beat parameters)."""
        if self.prefix:
            if not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        parts = tuple(p for p in path.strip("/").split("/") if p)
        best: tuple[int, str] | None = None
        for segments, template in self._templates:
            if len(segments) != len(parts):
                continue
            literal = 0
            for want, got in zip(segments, parts, strict=True):
                if want.startswith("{"):
                    continue
                if want != got:
                    break
                literal += 1
            else:
                if best is None or literal > best[0]:
                    best = (literal, template)
        return best[1] if best else None

    def operation(self, method: str, path: str) -> Operation | None:
        template = self.template_for(path)
        if template is None:
            return None
        item = self.raw["paths"][template]
        definition = item.get(method.lower())
        if definition is None:
            return None
        parameters = [self.resolve(p) for p in item.get("parameters", [])]
        parameters += [self.resolve(p) for p in definition.get("parameters", [])]
        return Operation(method.lower(), template, definition, parameters)

    def _validator(self, pointer: str, lenient: bool) -> Draft4Validator:
        schema = {"$ref": f"{self._uri(lenient)}#/{pointer}"}
        return Draft4Validator(schema, registry=self._registries[lenient], format_checker=_FORMATS)

    def _errors(self, pointer: str, instance: Any, lenient: bool, where: str) -> list[str]:
        validator = self._validator(pointer, lenient)
        problems = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            location = "/".join(str(p) for p in error.absolute_path) or "(root)"
            problems.append(f"{where} {location}: {error.message[:300]}")
        return problems

    # -- requests -----------------------------------------------------------------------------
    def validate_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any = None,
        has_body: bool = False,
    ) -> list[str]:
        """Problems with a request: unknown or invalid query parameters, missing required
        parameters or headers, and a JSON body that does not match the request schema."""
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method.upper()} {path}: no such operation in the spec"]
        label = f"{method.upper()} {operation.template}"
        problems: list[str] = []
        lowered_headers = {k.lower(): v for k, v in headers.items()}
        declared_query = {p["name"]: p for p in operation.parameters if p.get("in") == "query"}
        for name, values in query.items():
            parameter = declared_query.get(name)
            if parameter is None:
                problems.append(f"{label}: query parameter {name!r} is not in the spec")
                continue
            problems += self._check_parameter(label, parameter, values)
        for parameter in operation.parameters:
            location = parameter.get("in")
            if not parameter.get("required"):
                continue
            if location == "query" and parameter["name"] not in query:
                problems.append(f"{label}: required query parameter {parameter['name']!r} is missing")
            header = parameter["name"].lower()
            if location == "header" and header not in IGNORED_HEADERS and header not in lowered_headers:
                problems.append(f"{label}: required header {parameter['name']!r} is missing")
        request_body = self.resolve(operation.definition.get("requestBody"))
        if request_body:
            content = request_body.get("content", {})
            json_type = next((t for t in content if "json" in t), None)
            if has_body and json_type is not None:
                pointer = _pointer(
                    "paths", operation.template, operation.method, "requestBody", "content", json_type, "schema"
                )
                if "$ref" in (operation.definition.get("requestBody") or {}):
                    ref = operation.definition["requestBody"]["$ref"].lstrip("#/")
                    pointer = ref + "/" + _pointer("content", json_type, "schema")
                problems += self._errors(pointer, body, lenient=False, where=f"{label} request body")
            elif request_body.get("required") and not has_body:
                problems.append(f"{label}: the request body is required")
        return problems

    def _check_parameter(self, label: str, parameter: dict[str, Any], values: list[str]) -> list[str]:
        schema = self.resolve(parameter.get("schema") or {})
        is_array = schema.get("type") == "array"
        item_schema = self.resolve(schema.get("items") or {}) if is_array else schema
        if not is_array and len(values) > 1 and not parameter["name"].endswith("[]"):
            return [f"{label}: query parameter {parameter['name']!r} given {len(values)} times"]
        problems = []
        for value in values:
            pieces = value.split(",") if is_array and parameter.get("explode") is False else [value]
            for piece in pieces:
                coerced = _coerce(piece, item_schema.get("type"))
                if coerced is _INVALID:
                    problems.append(f"{label}: {parameter['name']}={piece!r} is not a {item_schema.get('type')}")
                    continue
                checker = Draft4Validator(_adapt(item_schema, lenient=False), format_checker=_FORMATS)
                problems += [
                    f"{label}: {parameter['name']}={piece!r}: {e.message}" for e in checker.iter_errors(coerced)
                ]
        return problems

    # -- responses ----------------------------------------------------------------------------
    def validate_response(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        has_body: bool = True,
        includes: Iterable[str] = (),
    ) -> list[str]:
        """Problems with a response body for its status (see the module notes on leniency)."""
        expanded_problems: list[str] = []
        keys = {key for include in includes for key in INCLUDE_KEYS.get(include, ())}
        if keys and isinstance(body, dict):
            body = {k: self._fold(v, keys, expanded_problems, f"{method.upper()} {path}", 1) for k, v in body.items()}
        return expanded_problems + self._validate_response(method, path, status, body, has_body)

    def _fold(self, value: Any, keys: set[str], problems: list[str], label: str, depth: int) -> Any:
        """Check expanded objects under ``keys`` against their full schema; return the body with
        each one folded back into a reference."""
        if isinstance(value, list):
            return [self._fold(item, keys, problems, label, depth) for item in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            if key in keys and depth >= 1:
                out[key] = self._fold_expanded(item, problems, label)
            else:
                out[key] = self._fold(item, keys, problems, label, depth + 1)
        return out

    def _fold_expanded(self, item: Any, problems: list[str], label: str) -> Any:
        if isinstance(item, list):
            return [self._fold_expanded(i, problems, label) for i in item]
        if not isinstance(item, dict) or str(item.get("type", "")).endswith("_reference") or "type" not in item:
            return item
        schema = schema_for_type(self.raw, item["type"])
        if schema is not None:
            problems += self._errors(
                f"components/schemas/{schema}", item, lenient=True, where=f"{label} included {item['type']}"
            )
        folded = {k: item[k] for k in ("id", "summary", "self", "html_url") if k in item}
        folded["type"] = item["type"] + "_reference"
        return folded

    def _validate_response(self, method: str, path: str, status: int, body: Any, has_body: bool) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method.upper()} {path}: no such operation in the spec"]
        label = f"{method.upper()} {operation.template} -> {status}"
        responses = operation.definition.get("responses", {})
        key = str(status)
        if key not in responses:
            family = f"{status // 100}XX"
            successes = [code for code in responses if code.startswith("2")]
            if family in responses:
                key = family
            elif status // 100 == 2 and len(successes) == 1:
                key = successes[0]
            elif status >= 400:
                return self._error_body(label, body)
            elif "default" in responses:
                key = "default"
            else:
                return [f"{label}: status {status} is not a documented response ({', '.join(responses)})"]
        response = self.resolve(responses[key])
        content = response.get("content") or {}
        json_type = next((t for t in content if "json" in t), None)
        if json_type is None or "schema" not in content[json_type]:
            if status >= 400 and str(response.get("description", "")).startswith("#/components/responses/"):
                return self._error_body(label, body)  # the Events API spec names these in prose only
            if has_body and body not in (None, b"", ""):
                return [f"{label}: the spec documents no body but one was sent"]
            return []
        if not has_body:
            return [f"{label}: the spec documents a JSON body but none was sent"]
        pointer = _pointer("paths", operation.template, operation.method, "responses", key)
        if "$ref" in responses[key]:
            pointer = responses[key]["$ref"].lstrip("#/")
            # follow chains of response refs to the one that holds the content
            target = self.raw
            for part in pointer.split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            while "$ref" in target:
                pointer = target["$ref"].lstrip("#/")
                target = self.resolve(target)
        pointer += "/" + _pointer("content", json_type, "schema")
        return self._errors(pointer, body, lenient=True, where=label)

    def _error_body(self, label: str, body: Any) -> list[str]:
        """Errors an operation does not list still use PagerDuty's generic error body."""
        if "components" in self.raw and "Conflict" in self.raw["components"].get("responses", {}):
            pointer = "components/responses/Conflict/content/" + _pointer("application/json") + "/schema"
            return self._errors(pointer, body, lenient=True, where=label)
        if "Error" in self.raw.get("components", {}).get("responses", {}):  # the Events API's error body
            pointer = "components/responses/Error/content/" + _pointer("application/json") + "/schema"
            return self._errors(pointer, body, lenient=True, where=label)
        return []

    def operations(self) -> Iterable[tuple[str, str]]:
        for template, item in self.raw.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield method.upper(), template


_INVALID = object()

# include[] value -> the keys whose references it expands
INCLUDE_KEYS: dict[str, tuple[str, ...]] = {
    "contact_methods": ("contact_methods", "contact_method"),
    "notification_rules": ("notification_rules",),
    "teams": ("teams", "team"),
    "users": ("user", "users", "assignee", "acknowledger"),
    "assignees": ("assignee",),
    "acknowledgers": ("acknowledger",),
    "services": ("service", "services"),
    "escalation_policies": ("escalation_policy", "escalation_policies"),
    "schedules": ("schedule", "schedules"),
    "priorities": ("priority",),
    "first_trigger_log_entries": ("first_trigger_log_entry",),
    "integrations": ("integrations",),
    "targets": ("targets",),
    "agents": ("agent",),
}

_TYPE_SCHEMAS = {
    "sms_contact_method": "PhoneContactMethod",
    "push_notification_contact_method": "PushContactMethod",
}


def schema_for_type(document: dict[str, Any], type_name: str) -> str | None:
    """The component schema that describes objects of ``type``: ``escalation_policy`` ->
    ``EscalationPolicy``, with the few irregular names PagerDuty uses."""
    schemas = document.get("components", {}).get("schemas", {})
    if type_name in _TYPE_SCHEMAS:
        return _TYPE_SCHEMAS[type_name]
    camel = "".join(part.capitalize() for part in type_name.split("_"))
    if camel in schemas:
        return camel
    for suffix, schema in (
        ("_notification_rule", "NotificationRule"),
        ("_integration", "Integration"),
        ("_log_entry", "LogEntry"),
    ):
        if type_name.endswith(suffix) and schema in schemas:
            return schema
    return None


def _coerce(value: str, kind: Any) -> Any:
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            return _INVALID
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return _INVALID
    if kind == "boolean":
        if value in ("true", "false"):
            return value == "true"
        return _INVALID
    return value
