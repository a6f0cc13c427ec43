"""The id type: one parameter type for everything that names a PagerDuty object.

``Id`` is a ``str`` that accepts an id or the object's PagerDuty web URL, and is checked and
reduced to the bare id where the arguments are validated, against the schema, before the tool
runs. A bad value is ``INVALID_PARAMETER`` naming the parameter (the validation-error formatter in
``schema`` says where). Tool bodies receive ids and never call a resolver themselves.

    service_id: Annotated[Id, id_or_url("Service")]
    team_ids: Annotated[IdList | None, Field(description="Only these teams.")] = None
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import ParseResult, urlparse

from pydantic import AfterValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from pagerduty_mcp.common.pagerduty.client import get_pool
from pagerduty_mcp.common.pagerduty.errors import invalid
from pagerduty_mcp.common.pagerduty.kinds import LINK_SEGMENTS
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS

__all__ = [
    "ID_PATTERN",
    "MAX_REFERENCE_LENGTH",
    "NOT_AN_ID",
    "NOT_A_PAGERDUTY_URL",
    "Id",
    "IdList",
    "id_in",
    "id_or_url",
    "is_name",
    "is_pagerduty_host",
    "resolve_id",
    "resolve_ids",
]

# An id, the PagerDuty web URL of the object (the id is read from it), or, where the parameter names
# an object by name (toolkit.names), its name. The schema says only how long a value may be (the
# model pays for every byte); the validator checks ids strictly and knows which parameters take names.
MAX_REFERENCE_LENGTH = 512
ID_PATTERN = r"^\S"  # not blank; kept short, as every id parameter carries it
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# What a model writes when it has no id; never a real one.
_PLACEHOLDERS = ("null", "undefined", "none")
NOT_AN_ID = "not a PagerDuty id (like PABC123) or the object's PagerDuty URL"
NOT_A_PAGERDUTY_URL = (
    "not the object's PagerDuty URL: only https links on pagerduty.com (your account's "
    "https://<subdomain>.pagerduty.com or its EU host) name an object; pass the id (like PABC123)"
)
# PagerDuty caps object names at 255 characters; an email is at most 254.
MAX_NAME_LENGTH = 255
_PAGERDUTY_DOMAIN = "pagerduty.com"


def id_or_url(description: str) -> object:
    """A ``Field`` for one id parameter that also accepts the object's PagerDuty URL."""
    return Field(
        pattern=ID_PATTERN, max_length=MAX_REFERENCE_LENGTH, description=f"{description} (id or PagerDuty URL)"
    )


def is_pagerduty_host(host: str | None) -> bool:
    """PagerDuty's own web and API hosts: ``pagerduty.com`` and its subdomains (the account's
    ``acme.pagerduty.com``, the EU region's ``acme.eu.pagerduty.com``, ``api.pagerduty.com``), and
    the API host this server is configured with (a proxy, the sandbox), whose links are the account's."""
    name = (host or "").lower().rstrip(".")
    return name == _PAGERDUTY_DOMAIN or name.endswith("." + _PAGERDUTY_DOMAIN) or name in _configured_hosts()


def _configured_hosts() -> frozenset[str]:
    try:
        settings = get_pool().settings
    except RuntimeError:  # no pool (a script, a unit test): PagerDuty's own hosts only
        return frozenset()
    return frozenset((urlparse(url).hostname or "").lower() for url in (settings.api_host, settings.events_host)) - {""}


def _pagerduty_url(text: str) -> ParseResult | None:
    """``text`` parsed, if it is an https URL on a PagerDuty host with no user, password or odd port."""
    try:
        parsed = urlparse(text)
        port = parsed.port
    except ValueError:  # e.g. "https://[": an unbalanced IPv6 bracket; a port out of range
        return None
    if parsed.scheme != "https" or parsed.username is not None or parsed.password is not None:
        return None
    if port not in (None, 443):
        return None
    return parsed if is_pagerduty_host(parsed.hostname) else None


def id_in(value: str) -> str | None:
    """The id in ``value`` (an id or a PagerDuty web URL of the object), or ``None``. A URL counts
    only on a PagerDuty host: a link elsewhere may carry any id, and is not the object's."""
    text = value.strip()
    if _ID_RE.fullmatch(text) and text.lower() not in _PLACEHOLDERS:
        return text
    if not text.startswith("https://"):
        return None
    parsed = _pagerduty_url(text)
    if parsed is None:
        return None
    if parsed.fragment and _ID_RE.fullmatch(parsed.fragment):
        return parsed.fragment
    segments = [s for s in parsed.path.split("/") if s]
    found = [
        segments[i + 1]
        for i, segment in enumerate(segments[:-1])
        if segment in LINK_SEGMENTS and _ID_RE.fullmatch(segments[i + 1])
    ]
    return found[-1] if found else None


def _to_id(value: str, info: ValidationInfo) -> str:
    ident = id_in(value)
    if ident is not None:
        return ident
    if _foreign_url(value):
        # Never the object's URL unless it is on PagerDuty's own hosts (and never a name).
        raise PydanticCustomError("pagerduty_id", "{value} is " + NOT_A_PAGERDUTY_URL, {"value": repr(value[:80])})
    if info.field_name in NAMED_PARAMETERS and is_name(value):
        return value.strip()  # a name: resolved to its id before the tool runs (toolkit.names)
    raise PydanticCustomError("pagerduty_id", "{value} is " + NOT_AN_ID, {"value": repr(value[:80])})


def _foreign_url(value: str) -> bool:
    """A link, but not an https one on a PagerDuty host."""
    text = value.strip()
    return text.lower().startswith(("https://", "http://")) and _pagerduty_url(text) is None


def is_name(value: str) -> bool:
    """Whether ``value`` can be an object's name: printable, not blank, not a placeholder, not too long."""
    text = value.strip()
    return bool(text) and text.lower() not in _PLACEHOLDERS and text.isprintable() and len(text) <= MAX_NAME_LENGTH


# The pattern and length sit inside the type: pydantic shows no constraint that runs after a
# validator, so one given around ``Id`` would drop out of the schema.
_REFERENCE = Field(pattern=ID_PATTERN, max_length=MAX_REFERENCE_LENGTH)
Id = Annotated[str, _REFERENCE, AfterValidator(_to_id)]
IdList = Annotated[list[Annotated[str, _REFERENCE, AfterValidator(_to_id)]], Field(max_length=100)]


def resolve_id(value: str, parameter: str) -> str:
    """The id in ``value``, for values that do not arrive as a parameter (nested objects, prompts)."""
    ident = id_in(value)
    if ident is None:
        raise invalid(parameter, f"{value[:80]!r} is {NOT_A_PAGERDUTY_URL if _foreign_url(value) else NOT_AN_ID}")
    return ident


def resolve_ids(values: list[str] | None, parameter: str) -> list[str] | None:
    """Ids of ``values``; ``None`` for no values (no filter)."""
    if not values:
        return None
    return [resolve_id(v, parameter) for v in values]
