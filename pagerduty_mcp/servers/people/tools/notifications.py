"""How a person is paged: their contact methods (phone, SMS, email, push), the notification rules that
say when an incident of each urgency reaches them on which, and hand-off rules (a notice before their
on-call starts or ends). ``get_user`` shows all three; one tool changes them.

PagerDuty's PUTs here replace the whole object, so a change is read, merged with what was given and
sent whole: a field not given keeps its value.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    PagerDutyClient,
    Question,
    ToolFailure,
    fact,
    get_client,
    id_or_url,
    invalid,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.models import ContactMethod, HandoffRule, NotificationRule
from pagerduty_mcp.servers.people.params import Id, OverrideId
from pagerduty_mcp.servers.people.validators import action_fields, parse_fields

__all__ = ["manage_user_notifications"]

Action = Literal["add", "update", "delete"]
# The fields that tell what an add makes: a contact method, an incident rule or a hand-off notice.
_METHOD_FIELDS = {"type", "address", "label", "device_type"}
_RULE_FIELDS = {"urgency", "delay_minutes"}
_HANDOFF_FIELDS = {"handoff", "minutes_before"}
_TYPES = {
    "phone": "phone_contact_method",
    "sms": "sms_contact_method",
    "email": "email_contact_method",
    "push": "push_notification_contact_method",
}
_LABELS = {"phone": "Mobile", "sms": "Mobile", "email": "Email", "push": "Mobile app"}
# "+<country code> <number>": the space after the country code is what tells where it ends.
_PHONE = re.compile(r"^\+(\d{1,3})[\s.-]+(\d[\d\s().-]{3,20})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDOFF = "oncall_handoff_notification_rule"
_HANDOFFS = "/users/{}/oncall_handoff_notification_rules"


class _User:
    """The user as PagerDuty has them now: contact methods and notification rules (hand-off rules
    are read only when an action needs them)."""

    def __init__(self, client: PagerDutyClient, user_id: str) -> None:
        self.client = client
        params = {"include[]": ["contact_methods", "notification_rules"]}
        self.user: dict[str, Any] = client.read(path("/users/{}", user_id), params)["user"]
        self.id = str(self.user["id"])
        self.methods: list[dict[str, Any]] = [m for m in self.user.get("contact_methods") or [] if "address" in m]
        self.rules: list[dict[str, Any]] = [r for r in self.user.get("notification_rules") or [] if "urgency" in r]
        self._handoffs: list[dict[str, Any]] | None = None

    @property
    def name(self) -> str:
        return str(self.user.get("name") or self.id)

    @property
    def handoffs(self) -> list[dict[str, Any]]:
        if self._handoffs is None:
            answer = self.client.read(path(_HANDOFFS, self.id))
            self._handoffs = list(answer.get(f"{_HANDOFF}s") or [])
        return self._handoffs

    def method(self, ident: str) -> dict[str, Any]:
        found = next((m for m in self.methods if m.get("id") == ident), None)
        if found is None:
            raise ToolFailure(
                "CONTACT_METHOD_NOT_FOUND",
                f"item_id: {self.name} has no contact method {ident}; get_user lists theirs.",
                {"parameters": ["item_id"]},
            )
        return found

    def kind_of(self, ident: str) -> str:
        """``contact_method``, ``notification`` or ``handoff``: what the user's ``ident`` is."""
        if any(m.get("id") == ident for m in self.methods):
            return "contact_method"
        kind, _ = self.rule(ident)
        return kind

    def rule(self, ident: str) -> tuple[str, dict[str, Any]]:
        """``("notification" | "handoff", rule)``: whichever kind of the user's rules has that id."""
        for kind, rules in (("notification", self.rules), ("handoff", self.handoffs)):
            found = next((r for r in rules if r.get("id") == ident), None)
            if found is not None:
                return kind, found
        raise ToolFailure(
            "NOTIFICATION_RULE_NOT_FOUND",
            f"item_id: {self.name} has no contact method, notification or hand-off rule {ident}; get_user "
            "lists theirs.",
            {"parameters": ["item_id"]},
        )

    def method_named(self, value: str, where: str) -> dict[str, Any]:
        """The contact method ``value`` names: its id, or its type or label when only one matches."""
        wanted = value.strip().lower()
        by_id = [m for m in self.methods if str(m.get("id", "")).lower() == wanted]
        by_type = [m for m in self.methods if _short(m) == wanted]
        by_label = [m for m in self.methods if str(m.get("label", "")).lower() == wanted]
        for found in (by_id, by_type, by_label):
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                named = ", ".join(f"{m['id']} ({_short(m)} {m.get('label')})" for m in found)
                raise invalid(
                    where, f"{value!r} matches {len(found)} of {self.name}'s contact methods: {named}; give the id"
                )
        raise invalid(
            where,
            f"{self.name} has no contact method {value!r}; get_user lists theirs (add one: action add, fields.type)",
        )


def _short(method: dict[str, Any]) -> str:
    return ContactMethod.from_api(method).type


def _reference(method: dict[str, Any]) -> dict[str, str]:
    return {"id": str(method["id"]), "type": f"{method['type'].removesuffix('_reference')}_reference"}


# -- contact methods ------------------------------------------------------------------------------
def _address(kind: str, address: str) -> dict[str, Any]:
    """What PagerDuty stores for an address: a phone number without its country code, apart."""
    if kind in ("phone", "sms"):
        found = _PHONE.match(address.strip())
        if found is None:
            raise invalid(
                "fields.address", 'a phone number with its country code, e.g. "+1 5550100" or "+49 1701234567"'
            )
        return {"country_code": int(found[1]), "address": re.sub(r"\D", "", found[2])}
    if kind == "email" and not _EMAIL.match(address.strip()):
        raise invalid("fields.address", f"{address[:60]!r} is not an email address")
    return {"address": address.strip()}


def _method_body(kind: str, given: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The whole contact method PagerDuty's POST or PUT takes: what was given over what is."""
    body: dict[str, Any] = {"type": _TYPES[kind]}
    if current is not None:
        for key in ("label", "address", "country_code", "device_type", "send_short_email"):
            if current.get(key) is not None:
                body[key] = current[key]
    if given.get("address"):
        body.update(_address(kind, given["address"]))
    body["label"] = given.get("label") or body.get("label") or _LABELS[kind]
    if kind == "push":
        body["device_type"] = given.get("device_type") or body.get("device_type")
        if body["device_type"] is None:
            raise invalid("fields.device_type", "a push contact method needs ios or android")
    if not body.get("address"):
        raise invalid("fields.address", "required: the phone number, email or push device token")
    return body


def _add_contact_method(user: _User, fields: dict[str, Any]) -> Envelope:
    given = parse_fields(fields, "contact_method")
    if not given.get("type"):
        raise invalid("fields.type", f"required: one of {', '.join(_TYPES)}")
    body = _method_body(given["type"], given, None)
    made = user.client.write("POST", path("/users/{}/contact_methods", user.id), {"contact_method": body})
    method = ContactMethod.from_api(made["contact_method"])
    return respond(
        "contact_methods",
        [method],
        f"Added {method.type} {method.address} ({method.label}) to {user.name}",
        notes=["A contact method alone pages nobody: add a rule that uses it (urgency, delay_minutes)."],
    )


def _update_contact_method(user: _User, ident: str, fields: dict[str, Any]) -> Envelope:
    current = user.method(ident)
    given = parse_fields(fields, "contact_method")
    kind = _short(current)
    if given.get("type") and given["type"] != kind:
        raise invalid("fields.type", f"a {kind} contact method stays one; add a {given['type']} one and delete this")
    body = _method_body(kind, given, current)
    changed = user.client.write("PUT", path("/users/{}/contact_methods/{}", user.id, ident), {"contact_method": body})
    method = ContactMethod.from_api(changed["contact_method"])
    return respond("contact_methods", [method], f"Updated {user.name}'s {method.type} contact method ({method.label})")


def _using(user: _User, ident: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The user's notification and hand-off rules that use contact method ``ident``."""
    rules = [r for r in user.rules if (r.get("contact_method") or {}).get("id") == ident]
    handoffs = [r for r in user.handoffs if (r.get("contact_method") or {}).get("id") == ident]
    return rules, handoffs


def _delete_contact_method(user: _User, ident: str) -> Envelope:
    method = ContactMethod.from_api(user.method(ident))
    rules, handoffs = _using(user, ident)
    user.client.write("DELETE", path("/users/{}/contact_methods/{}", user.id, ident))
    gone = [*(r["id"] for r in rules), *(r["id"] for r in handoffs)]
    text = f"Removed {user.name}'s {method.type} contact method ({method.label})"
    if gone:
        text += f" and the {len(gone)} rule(s) that used it"
    return respond("contact_methods", [{"id": ident, "deleted": True, "rules_removed": gone}], text)


# -- rules ----------------------------------------------------------------------------------------
def _made_by(fields: dict[str, Any]) -> str:
    """What an add's ``fields`` make: ``contact_method``, ``notification`` (an incident rule) or ``handoff``."""
    keys = set(fields)
    kinds = [
        kind
        for kind, names in (
            ("contact_method", _METHOD_FIELDS),
            ("notification", _RULE_FIELDS),
            ("handoff", _HANDOFF_FIELDS),
        )
        if keys & names
    ]
    if len(kinds) != 1:
        raise invalid(
            "fields",
            "give a contact method (type, address, label?, device_type?), an incident rule (contact_method, "
            "urgency, delay_minutes) or a hand-off notice (contact_method, handoff, minutes_before)",
        )
    return kinds[0]


def _rule_method(user: _User, given: dict[str, Any], current: dict[str, Any] | None) -> dict[str, str]:
    """The contact method a rule is to use: the one ``given`` names, else the one it uses now."""
    if given.get("contact_method"):
        return _reference(user.method_named(given["contact_method"], "fields.contact_method"))
    if current is not None and current.get("contact_method"):
        return _reference(current["contact_method"])
    raise invalid("fields.contact_method", "required: the contact method's id, or its type (phone, sms, email, push)")


def _rule_body(user: _User, given: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The whole incident rule PagerDuty's POST or PUT takes: what was given over what is."""
    method = _rule_method(user, given, current)
    urgency = given.get("urgency") or (current or {}).get("urgency")
    if urgency is None:
        raise invalid("fields.urgency", "required: high or low")
    delay = given.get("delay_minutes")
    return {
        "type": "assignment_notification_rule",
        "start_delay_in_minutes": delay if delay is not None else (current or {}).get("start_delay_in_minutes", 0),
        "urgency": urgency,
        "contact_method": method,
    }


def _handoff_body(user: _User, given: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The whole hand-off rule PagerDuty's POST or PUT takes (its id, for a PUT)."""
    method = _rule_method(user, given, current)
    minutes = given.get("minutes_before")
    body = {
        "handoff_type": given.get("handoff") or (current or {}).get("handoff_type") or "both",
        "notify_advance_in_minutes": minutes
        if minutes is not None
        else (current or {}).get("notify_advance_in_minutes", 0),
        "contact_method": method,
    }
    if current is not None:
        body["id"] = current["id"]
    return body


def _named_rule(user: _User, rule: dict[str, Any]) -> dict[str, Any]:
    """A rule whose contact method is named from the user's own (PagerDuty's answer gives a bare reference)."""
    method = rule.get("contact_method") or {}
    mine: dict[str, Any] = next((m for m in user.methods if m.get("id") == method.get("id")), {})
    return {**rule, "contact_method": {**method, **mine}}


_GOING = {"both": "going on or off call", "oncall": "going on call", "offcall": "going off call"}


def _rule_answer(user: _User, kind: str, rule: dict[str, Any], verb: str) -> Envelope:
    if kind == "handoff":
        handoff = HandoffRule.from_api(_named_rule(user, rule))
        when = f"{handoff.minutes_before} min before {_GOING.get(handoff.handoff or '', 'a hand-off')}"
        return respond("handoff_rules", [handoff], f"{verb} {user.name}'s hand-off notice: {when}")
    shown = NotificationRule.from_api(_named_rule(user, rule))
    method = shown.contact_method.name if shown.contact_method else "?"
    text = f"{verb} {user.name}'s {shown.urgency}-urgency rule: {method} after {shown.delay_minutes} min"
    return respond("notification_rules", [shown], text)


def _add_rule(user: _User, kind: str, fields: dict[str, Any]) -> Envelope:
    given = parse_fields(fields, "rule")
    if kind == "handoff":
        body = _handoff_body(user, given, None)
        made = user.client.write("POST", path(_HANDOFFS, user.id), {_HANDOFF: body})
        return _rule_answer(user, "handoff", made[_HANDOFF], "Added")
    body = _rule_body(user, given, None)
    made = user.client.write("POST", path("/users/{}/notification_rules", user.id), {"notification_rule": body})
    return _rule_answer(user, "notification", made["notification_rule"], "Added")


def _update_rule(user: _User, ident: str, fields: dict[str, Any]) -> Envelope:
    kind, current = user.rule(ident)
    given = parse_fields(fields, "rule")
    takes = {"handoff", "minutes_before"} if kind == "handoff" else {"urgency", "delay_minutes"}
    wrong = sorted(given.keys() - takes - {"contact_method"})
    if wrong:
        raise invalid(
            f"fields.{wrong[0]}", f"{ident} is a {kind} rule: it takes {', '.join(sorted(takes))}, contact_method"
        )
    if kind == "handoff":
        body = _handoff_body(user, given, current)
        changed = user.client.write("PUT", path(_HANDOFFS + "/{}", user.id, ident), {_HANDOFF: body})
        return _rule_answer(user, "handoff", changed[_HANDOFF], "Updated")
    body = _rule_body(user, given, current)
    changed = user.client.write(
        "PUT", path("/users/{}/notification_rules/{}", user.id, ident), {"notification_rule": body}
    )
    return _rule_answer(user, "notification", changed["notification_rule"], "Updated")


def _delete_rule(user: _User, ident: str) -> Envelope:
    kind, _ = user.rule(ident)
    if kind == "handoff":
        url = path(_HANDOFFS + "/{}", user.id, ident)
    else:
        url = path("/users/{}/notification_rules/{}", user.id, ident)
    user.client.write("DELETE", url)
    key = "handoff_rules" if kind == "handoff" else "notification_rules"
    return respond(key, [{"id": ident, "deleted": True}], f"Removed a {kind} rule of {user.name}")


# -- the tool -------------------------------------------------------------------------------------
def _asks_before_removing(arguments: dict[str, Any]) -> Question | None:
    """When it removes a contact method (and the rules that use it) or a rule."""
    ident = arguments.get("item_id")
    if arguments["action"] != "delete" or not ident:
        return None
    user = _User(get_client(), arguments["user_id"])
    if user.kind_of(ident) == "contact_method":
        method = ContactMethod.from_api(user.method(ident))
        rules, handoffs = _using(user, ident)
        return Question(
            "Remove a contact method: PagerDuty stops reaching the person there, and the rules that use it go too.",
            (
                fact("User", user.name),
                fact("Contact method", f"{method.type} {method.address} ({method.label})"),
                fact("Rules using it", str(len(rules) + len(handoffs))),
            ),
        )
    kind, rule = user.rule(ident)
    named = _named_rule(user, rule)
    if kind == "handoff":
        shown_handoff = HandoffRule.from_api(named)
        what = f"hand-off ({shown_handoff.handoff}), {shown_handoff.minutes_before} min before"
    else:
        shown = NotificationRule.from_api(named)
        what = f"{shown.urgency} urgency, after {shown.delay_minutes} min"
    used = HandoffRule.from_api(named).contact_method
    return Question(
        "Remove a notification rule: the person is no longer notified this way.",
        (fact("User", user.name), fact("Rule", what), fact("Contact method", used.name if used and used.name else "?")),
    )


GROUPED = (
    "A person's contact methods and the rules that use them are one paging set-up, changed together "
    "(onboarding adds a phone, then the rules that page on it). One user, then add, update or delete: the "
    "fields say what an add makes, the id what an update or delete touches. Six tools would repeat the user, "
    "the ids and the field shapes in the definitions the model reads on every turn."
)


@tool("User notifications", "manage", confirm=_asks_before_removing, grouped=GROUPED)
def manage_user_notifications(
    user_id: Annotated[Id, id_or_url("User")],
    action: Annotated[Action, Field(description="Of a contact method or a rule.")],
    item_id: Annotated[OverrideId | None, Field(description="update, delete: its id.")] = None,
    fields: Annotated[
        dict[str, Any] | None,
        Field(
            description='A contact method {"type": phone|sms|email|push, "address": "+1 5550100"|email, '
            '"label"?}, a rule {"contact_method": id|type, "urgency": high|low, "delay_minutes"} or a hand-off '
            '{"contact_method", "handoff": oncall|offcall|both, "minutes_before"}.'
        ),
    ] = None,
) -> Envelope:
    """How a person is paged (get_user shows it): contact methods, and rules: which one an incident
    of each urgency uses after how long; hand-off notices."""
    if action == "add" and item_id:
        raise invalid("item_id", "not taken by add: it makes a new one")
    if action != "add" and not item_id:
        raise invalid("item_id", f"required by {action}: the id get_user shows")
    given = action_fields(action, fields)
    user = _User(get_client(), user_id)
    ident = item_id or ""
    kind = _made_by(given) if action == "add" else user.kind_of(ident)
    if kind == "contact_method":
        if action == "add":
            return _add_contact_method(user, given)
        if action == "update":
            return _update_contact_method(user, ident, given)
        return _delete_contact_method(user, ident)
    if action == "add":
        return _add_rule(user, kind, given)
    if action == "update":
        return _update_rule(user, ident, given)
    return _delete_rule(user, ident)
