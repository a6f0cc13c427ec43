"""Asking the person before a write that pages, deletes, runs an action, posts publicly or changes many.

A tool declares it next to itself, ``@tool("Create incident", "create", confirm=asks_before_paging)``:
the function builds the :class:`Question` from the call's arguments (names already resolved to
ids), with the reads it needs, or answers ``None`` when this call needs none (one incident
acknowledged). Registration gives such a tool an SDK resolver (``Resolve`` + ``Elicit``), so the
question travels the way the client's protocol asks:

- 2025-11-25 (stdio, and any session that can take a request back): a classic
  ``elicitation/create`` request in the middle of the call;
- 2026-07-28 (stateless HTTP): the ``input_required`` round trip. The answer comes back with the
  client's retry, and the SDK carries it in the sealed request state, so any replica that shares
  the sealing key finishes what another one asked.

The body runs only on "accept". A decline or a cancel sends nothing: it is an error of its own
(``DECLINED``, ``CANCELLED_BY_USER``) that says nothing was changed, and the audit line says so.

``--confirm-writes``: ``auto`` asks clients that can answer and leaves the others as they were;
``require`` refuses those writes to clients that cannot answer (``CONFIRMATION_REQUIRED``);
``off`` never asks.

The question is the server's words; what comes from the request or from PagerDuty (titles, names,
messages) is shown only quoted, on one line, cleaned and cut, so that an alert body cannot write
a line of the question.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import anyio.to_thread
from mcp.server.elicitation import AcceptedElicitation, CancelledElicitation, DeclinedElicitation
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit, Resolve, build_resolver_plans
from mcp.server.mcpserver.tools import Tool
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, ConfigDict

from pagerduty_mcp.common.pagerduty.client import get_client, path
from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure, failure_from_exception
from pagerduty_mcp.common.pagerduty.text import clean_text
from pagerduty_mcp.common.toolkit.names import resolve_references

__all__ = [
    "ASKED",
    "CONFIRMATION",
    "Asks",
    "ConfirmMode",
    "Confirmed",
    "Fact",
    "Question",
    "article",
    "ask_first",
    "asks_to_delete",
    "fact",
    "go_ahead",
    "unanswered",
]

log = logging.getLogger(__name__)

ConfirmMode = Literal["auto", "require", "off"]

# The keyword the SDK hands the confirmation's outcome to the tool's wrapper under; no tool
# parameter has this name.
CONFIRMATION = "confirmation"
# The first protocol whose calls ask through ``input_required`` rather than a request back.
_ROUND_TRIP_VERSION = "2026-07-28"
# Audit outcome of a round that ended by asking (2026-07-28): nothing was sent yet.
ASKED = "CONFIRMATION_ASKED"

_VALUE_LIMIT = 80  # characters of one quoted value
_VALUES_SHOWN = 5  # values of one fact before "and N more"
_FACTS_SHOWN = 12
_OPEN, _CLOSE = "\u201c", "\u201d"  # the curly quotes that mark data; never left inside a value
# Markdown that could hide or restyle text where a client renders the message: links, HTML, code.
_MARKUP = str.maketrans({c: f"\\{c}" for c in "[]<>`"})
FOOTER = (
    f"Text in {_OPEN}quotes{_CLOSE} comes from the request or from PagerDuty: data, not instructions.\n"
    "Accept to go ahead. Decline, and nothing is sent to PagerDuty."
)


def quote(value: object) -> str:
    """``value`` as data inside a question: invisible characters gone, on one line, cut, quoted."""
    text = " ".join(clean_text(str(value), 4 * _VALUE_LIMIT).split())
    if len(text) > _VALUE_LIMIT:
        text = text[: _VALUE_LIMIT - 1].rstrip() + "\u2026"
    text = text.replace(_OPEN, '"').replace(_CLOSE, '"').translate(_MARKUP)
    return f"{_OPEN}{text}{_CLOSE}"


@dataclass(frozen=True)
class Fact:
    """One line of a question: the server's label, and values that are shown quoted."""

    label: str
    values: tuple[str, ...]
    more: int = 0  # values left out

    def render(self) -> str:
        if not self.values:
            return f"- {self.label}: {self.more} more" if self.more else f"- {self.label}: none"
        shown = ", ".join(quote(v) for v in self.values)
        return f"- {self.label}: {shown}" + (f" and {self.more} more" if self.more else "")


def fact(label: str, values: Iterable[object] | str, *, shown: int = _VALUES_SHOWN) -> Fact:
    """A fact of one value or several; past ``shown`` values, only their number is said."""
    items = [values] if isinstance(values, str) else [str(v) for v in values]
    return Fact(label, tuple(items[:shown]), max(0, len(items) - shown))


@dataclass(frozen=True)
class Question:
    """What the person is asked: ``action`` is the server's own sentence (counts and kinds, never
    text from outside); every fact's values are shown quoted."""

    action: str
    facts: tuple[Fact, ...] = ()

    def render(self) -> str:
        lines = [self.action, *(f.render() for f in self.facts[:_FACTS_SHOWN])]
        if len(self.facts) > _FACTS_SHOWN:
            lines.append(f"- and {len(self.facts) - _FACTS_SHOWN} more")
        return "\n".join([*lines, FOOTER])


# ``ask(arguments)``: the question for this call, or None when it needs none. Runs on a worker
# thread inside the call's request context, so it may read PagerDuty like a tool does.
Asks = Callable[[dict[str, Any]], Question | None]


def article(noun: str) -> str:
    """``noun`` with its indefinite article, for the nouns questions use ("an override", "a user")."""
    return f"{'an' if noun[:1].lower() in 'aeio' else 'a'} {noun}"


def asks_to_delete(kind: str, url: str, key: str, parameter: str, *, then: str = "") -> Asks:
    """The question of a ``delete_*`` tool: the object read at ``url`` (``"/services/{}"``, its id
    from the argument ``parameter``), named. ``then`` says what else goes, in the server's words."""

    def ask(arguments: dict[str, Any]) -> Question:
        found = get_client().read(path(url, arguments[parameter]))[key]
        name = found.get("name") or found.get("summary") or found.get("description") or arguments[parameter]
        return Question(f"Delete {article(kind)}{then}. This cannot be undone.", (fact(kind.capitalize(), str(name)),))

    ask.__doc__ = f"Always: it deletes the {kind}."
    return ask


class Confirmed(BaseModel):
    """The form the person answers: nothing to fill in, the answer is accept, decline or cancel."""

    model_config = ConfigDict(title="Confirm")


@dataclass(frozen=True)
class _Unasked:
    """Not asked: confirmation is off, this call needs none, or the client cannot answer (auto)."""

    why: str


@dataclass(frozen=True)
class _Refused:
    failure: ToolFailure


def _can_answer(ctx: Context[Any, Any]) -> bool:
    """Whether this client can answer a question now: it declared form elicitation, and either
    its protocol asks by round trip or its session can take a request back (not stateless HTTP
    at 2025-11-25, where a reply has nowhere to land)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return False
    version = ctx.protocol_version
    if version is not None and is_version_at_least(version, _ROUND_TRIP_VERSION):
        return True
    return bool(ctx.session.can_send_request)


def _cannot_confirm(tool: str, question: Question) -> ToolFailure:
    return ToolFailure(
        "CONFIRMATION_REQUIRED",
        f"{tool} asks the person first ({question.action.rstrip('.:')}), and this server requires it "
        "(--confirm-writes require), but this client cannot show a confirmation: it declares no form "
        "elicitation, or it speaks protocol 2025-11-25 over stateless HTTP. Nothing was sent to PagerDuty. "
        "Use a client that supports elicitation, or ask the person to make this change in PagerDuty.",
    )


def _question(ask: Asks, arguments: dict[str, Any], named: list[str]) -> Question | None:
    resolved = resolve_references(arguments, named) if named else dict(arguments)
    return ask(resolved)


async def _decide(
    ctx: Context[Any, Any], name: str, ask: Asks, arguments: dict[str, Any], named: list[str]
) -> Elicit[Confirmed] | _Unasked | _Refused:
    mode: ConfirmMode = getattr(ctx.mcp_server, "confirm_writes", "auto")
    if mode == "off":
        return _Unasked("confirmation is off")
    able = _can_answer(ctx)
    if not able and mode == "auto":
        return _Unasked("the client cannot answer")
    try:
        question = await anyio.to_thread.run_sync(functools.partial(_question, ask, arguments, named))
    except Exception as exc:
        failure = failure_from_exception(exc)
        if failure is None:
            log.exception("the confirmation of %s failed unexpectedly", name)
            failure = ToolFailure(
                "INTERNAL_ERROR",
                f"{name} could not build its confirmation ({type(exc).__name__}); nothing was sent. "
                "The server log has details.",
            )
        return _Refused(failure)
    if question is None:
        return _Unasked("this call needs none")
    if not able:
        return _Refused(_cannot_confirm(name, question))
    request = current_request()
    request.audit.outcome = ASKED  # what the audit says if the round ends here, asking
    # The person's time to answer is not the call's: an accepted call gets back what it had left.
    request.deadline.hold()
    return Elicit(question.render(), Confirmed)


def ask_first(tool: Tool, ask: Asks, named: list[str]) -> None:
    """Give a registered tool its confirmation: a resolver the SDK runs before the body, whose
    outcome reaches the tool's wrapper as ``confirmation=`` (see :func:`go_ahead`)."""
    # The published schema's properties are the argument model's fields by alias: read from there,
    # a tool registered from the kept schemas (toolkit.prebuilt) builds no model at start.
    arguments = list(tool.parameters.get("properties", {}))
    name = tool.name

    async def confirmation(ctx: Context[Any, Any], **given: Any) -> Elicit[Confirmed] | _Unasked | _Refused:
        return await _decide(ctx, name, ask, given, named)

    # The SDK fills a resolver's parameters by name from the validated arguments: this one takes
    # them all, and the Context.
    parameters = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
    parameters += [inspect.Parameter(a, inspect.Parameter.KEYWORD_ONLY) for a in arguments]
    confirmation.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    confirmation.__annotations__ = {"ctx": Context}
    tool.resolved_params = {CONFIRMATION: (Resolve(confirmation), True)}
    tool.resolver_plans = build_resolver_plans(tool.resolved_params, set(arguments))


def unanswered(detail: str) -> ToolFailure:
    """The client answered the question in a way the SDK could not read (an "accept" without the
    form's content, a reply of the wrong kind): the body did not run."""
    log.warning("a confirmation's answer could not be used: %s", detail)
    return ToolFailure(
        "CONFIRMATION_FAILED",
        "The client's answer to the confirmation could not be read, so nothing was sent to PagerDuty "
        "and nothing changed. Ask the person, then try again; the server log has the client's error.",
    )


def go_ahead(outcome: object) -> None:
    """Let the body run, or raise what stops it: a decline, a cancel, a refusal. Runs in the wrapper."""
    if isinstance(outcome, DeclinedElicitation):
        raise ToolFailure(
            "DECLINED",
            "The person declined this change: nothing was sent to PagerDuty and nothing changed. "
            "Do not retry it unasked; ask them what to do instead.",
        )
    if isinstance(outcome, CancelledElicitation):
        raise ToolFailure(
            "CANCELLED_BY_USER",
            "The person dismissed the confirmation: nothing was sent to PagerDuty and nothing changed. "
            "Ask them before trying again.",
        )
    data = outcome.data if isinstance(outcome, AcceptedElicitation) else outcome
    if isinstance(data, _Refused):
        raise data.failure
    if isinstance(data, Confirmed):
        request = current_request()
        request.audit.outcome = "ok"
        request.deadline.resume()
