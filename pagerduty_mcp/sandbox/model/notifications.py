"""How a user is reached: contact methods (email, phone, SMS, push), the notification rules that say
when an incident of each urgency uses one, and on-call hand-off rules (a notice before going on or
off call).

Contact methods and notification rules live in tables of their own and are listed on their user by
reference, in the order made; hand-off rules name their user privately (``_user_id``), as PagerDuty
shows them only at their own endpoint. Every rule names one of its user's own contact methods;
removing a contact method removes the rules that use it, and the one for the user's login email
cannot be removed (it is how PagerDuty reaches them at all).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import KINDS, Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, not_found

__all__ = [
    "CONTACT_TYPES",
    "HANDOFF_TYPES",
    "URGENCIES",
    "add_contact_method",
    "add_handoff_rule",
    "add_notification_rule",
    "build_contact_method",
    "build_handoff_rule",
    "build_notification_rule",
    "contact_method_of",
    "delete_contact_method",
    "delete_handoff_rule",
    "delete_notification_rule",
    "handoff_rule_of",
    "handoff_rules",
    "notification_rule_of",
    "shown_handoff_rule",
    "update_contact_method",
    "update_handoff_rule",
    "update_notification_rule",
]

CONTACT_TYPES = (
    "email_contact_method",
    "phone_contact_method",
    "sms_contact_method",
    "push_notification_contact_method",
)
URGENCIES = ("high", "low")
HANDOFF_TYPES = ("both", "oncall", "offcall")
_PHONES = ("phone_contact_method", "sms_contact_method")
_DEVICES = ("android", "ios")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DIGITS = re.compile(r"^\d{4,15}$")
_LABEL_LENGTH = 100
_ADDRESS_LENGTH = 255


def _kept_on(
    store: Store, user: dict[str, Any], kind: str, obj: dict[str, Any], summary: str, type_: str
) -> dict[str, Any]:
    """Store ``obj`` in ``kind`` (a table, and the user's list and path of that name), addressed under
    its user, and list it on them."""
    store.stamp(kind, obj, summary, type_)
    obj["self"] = f"{store.api_base}/users/{user['id']}/{kind}/{obj['id']}"
    obj["html_url"] = None
    store.put(kind, obj)
    user[kind].append(store.ref(obj))
    return obj


# -- contact methods ----------------------------------------------------------------------------
def build_contact_method(
    store: Store,
    user: dict[str, Any],
    type_: str,
    label: str,
    address: str,
    *,
    country_code: int | None = None,
    device_type: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Store a contact method (already checked) on ``user``; the seed and POST share it."""
    user_id = user["id"]
    method: dict[str, Any] = {"id": store.new_id(), "label": label, "address": address, "_user_id": user_id}
    if country_code is not None:
        method["country_code"] = country_code
    if type_ == "email_contact_method":
        method["send_short_email"] = False
    if type_ == "push_notification_contact_method":
        method["device_type"] = device_type
        method["created_at"] = format_time(created or store.clock())
    return _kept_on(store, user, "contact_methods", method, label, type_)


def contact_method_of(store: Store, user: dict[str, Any], ident: str) -> dict[str, Any]:
    """The user's contact method ``ident`` (404 when the user has none of that id)."""
    return _owned(store, user, "contact_methods", ident)


def _owned(store: Store, user: dict[str, Any], kind: str, ident: str) -> dict[str, Any]:
    """The object of ``kind`` with that id, if it is the user's: another user's answers the 404 an
    unknown id does."""
    found = store.get(kind, ident)
    if found["_user_id"] != user["id"]:
        raise not_found(KINDS[kind][0], ident)
    return found


def _text(data: dict[str, Any], key: str, most: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(errors=[f"{key} is required"])
    if len(value) > most:
        raise bad_request(errors=[f"{key} must be at most {most} characters"])
    return value.strip()


def _checked_method(
    store: Store, user: dict[str, Any], type_: str, data: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    """The fields of a contact method of ``type_`` from ``data`` (over ``current`` for a change), checked."""
    merged = {**(current or {}), **{k: v for k, v in data.items() if v is not None}}
    label = _text(merged, "label", _LABEL_LENGTH)
    address = _text(merged, "address", _ADDRESS_LENGTH)
    fields: dict[str, Any] = {"label": label, "address": address}
    if type_ == "email_contact_method" and not _EMAIL.match(address):
        raise bad_request(errors=["Address must be a valid email address"])
    if type_ in _PHONES:
        if not _DIGITS.match(address):
            raise bad_request(errors=["Address must be the phone number's 4 to 15 digits, without the country code"])
        code = merged.get("country_code")
        if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 1999:
            raise bad_request(errors=["country_code must be a calling code from 1 to 1999"])
        fields["country_code"] = code
    if type_ == "push_notification_contact_method":
        if merged.get("device_type") not in _DEVICES:
            raise bad_request(errors=[f"device_type must be one of {', '.join(_DEVICES)}"])
        fields["device_type"] = merged["device_type"]
    for ref in user["contact_methods"]:
        other = store.get("contact_methods", ref["id"])
        same = other["address"].lower() == address.lower() and other.get("country_code") == fields.get("country_code")
        if other["type"] == type_ and same and (current is None or other["id"] != current["id"]):
            raise bad_request(errors=["The user already has a contact method of this type at this address"])
    return fields


def add_contact_method(store: Store, user: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    type_ = data.get("type")
    if type_ not in CONTACT_TYPES:
        raise bad_request(errors=[f"type must be one of {', '.join(CONTACT_TYPES)}"])
    fields = _checked_method(store, user, str(type_), data, None)
    return build_contact_method(
        store,
        user,
        str(type_),
        fields["label"],
        fields["address"],
        country_code=fields.get("country_code"),
        device_type=fields.get("device_type"),
    )


def _login_email(user: dict[str, Any], method: dict[str, Any]) -> bool:
    return method["type"] == "email_contact_method" and str(method["address"]).lower() == str(user["email"]).lower()


def update_contact_method(
    store: Store, user: dict[str, Any], method: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    """Change a contact method's label, address, country code or device; its type stays."""
    if data.get("type") not in (None, method["type"]):
        raise bad_request(errors=["A contact method's type cannot be changed; add a new one instead"])
    if _login_email(user, method) and data.get("address") not in (None, method["address"]):
        raise bad_request(errors=["The login email's contact method follows the user's email; change that instead"])
    fields = _checked_method(store, user, method["type"], data, public(method))
    method.update(fields)
    if isinstance(data.get("send_short_email"), bool) and method["type"] == "email_contact_method":
        method["send_short_email"] = data["send_short_email"]
    if method["summary"] != method["label"]:  # references show the new label
        method["summary"] = method["label"]
        rules = [store.get("notification_rules", r["id"])["contact_method"] for r in user["notification_rules"]]
        for ref in [*user["contact_methods"], *rules]:
            if ref["id"] == method["id"]:
                ref["summary"] = method["label"]
    return method


def delete_contact_method(store: Store, user: dict[str, Any], ident: str) -> None:
    """Remove a contact method and every rule that uses it; never the login email's."""
    method = contact_method_of(store, user, ident)
    if _login_email(user, method):
        raise bad_request(errors=["The contact method of the user's login email cannot be removed"])
    store.remove("contact_methods", ident)
    user["contact_methods"] = [r for r in user["contact_methods"] if r["id"] != ident]
    for ref in list(user["notification_rules"]):
        if store.get("notification_rules", ref["id"])["contact_method"]["id"] == ident:
            store.remove("notification_rules", ref["id"])
            user["notification_rules"].remove(ref)
    for rule in handoff_rules(store, user):
        if rule["contact_method"]["id"] == ident:
            store.remove("handoff_rules", rule["id"])


def _method_named(store: Store, user: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The user's contact method a rule's ``contact_method`` reference names (400 when it is not theirs)."""
    ref = data.get("contact_method")
    ident = ref.get("id") if isinstance(ref, dict) else None
    found = store.find("contact_methods", str(ident)) if ident else None
    if found is None or found["_user_id"] != user["id"]:
        raise bad_request(errors=["contact_method must reference one of the user's own contact methods"])
    return found


def _minutes(data: dict[str, Any], key: str, default: int | None) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_request(errors=[f"{key} must be a whole number of minutes, 0 or more"])
    return value


# -- notification rules ---------------------------------------------------------------------------
def build_notification_rule(
    store: Store, user: dict[str, Any], method: dict[str, Any], urgency: str, delay: int
) -> dict[str, Any]:
    """Store a notification rule (already checked) on ``user``; the seed and POST share it."""
    user_id = user["id"]
    rule: dict[str, Any] = {
        "id": store.new_id(),
        "start_delay_in_minutes": delay,
        "urgency": urgency,
        "contact_method": store.ref(method),
        "_user_id": user_id,
    }
    summary = f"{delay} minutes: channel {method['id']}"
    return _kept_on(store, user, "notification_rules", rule, summary, "assignment_notification_rule")


def notification_rule_of(store: Store, user: dict[str, Any], ident: str) -> dict[str, Any]:
    return _owned(store, user, "notification_rules", ident)


def _urgency(data: dict[str, Any]) -> str:
    if data.get("urgency") not in URGENCIES:
        raise bad_request(errors=[f"urgency must be one of {', '.join(URGENCIES)}"])
    return str(data["urgency"])


def add_notification_rule(store: Store, user: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    if data.get("type", "assignment_notification_rule") != "assignment_notification_rule":
        raise bad_request(errors=["type must be assignment_notification_rule"])
    method = _method_named(store, user, data)
    return build_notification_rule(store, user, method, _urgency(data), _minutes(data, "start_delay_in_minutes", None))


def update_notification_rule(
    store: Store, user: dict[str, Any], rule: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    merged = {**public(rule), **{k: v for k, v in data.items() if v is not None}}
    method = _method_named(store, user, merged)
    rule.update(
        start_delay_in_minutes=_minutes(merged, "start_delay_in_minutes", None),
        urgency=_urgency(merged),
        contact_method=store.ref(method),
        summary=f"{merged['start_delay_in_minutes']} minutes: channel {method['id']}",
    )
    return rule


def delete_notification_rule(store: Store, user: dict[str, Any], ident: str) -> None:
    notification_rule_of(store, user, ident)
    store.remove("notification_rules", ident)
    user["notification_rules"] = [r for r in user["notification_rules"] if r["id"] != ident]


# -- on-call hand-off rules ----------------------------------------------------------------------
def build_handoff_rule(
    store: Store,
    user: dict[str, Any],
    method: dict[str, Any],
    handoff_type: str,
    minutes: int,
    *,
    id_stream: str | None = None,
) -> dict[str, Any]:
    """Store a hand-off rule (already checked) for ``user``; ``id_stream`` as :meth:`Store.new_id`."""
    rule: dict[str, Any] = {
        "id": store.new_id(id_stream),
        "handoff_type": handoff_type,
        "notify_advance_in_minutes": minutes,
        "contact_method": {"id": method["id"], "type": method["type"]},
        "_user_id": user["id"],
    }
    return store.put("handoff_rules", rule)


def handoff_rules(store: Store, user: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in store.all("handoff_rules") if r["_user_id"] == user["id"]]


def handoff_rule_of(store: Store, user: dict[str, Any], ident: str) -> dict[str, Any]:
    return _owned(store, user, "handoff_rules", ident)


def shown_handoff_rule(store: Store, rule: dict[str, Any]) -> dict[str, Any]:
    """As the API shows it: the contact method a full reference."""
    out = public(rule)
    out["contact_method"] = store.ref(store.get("contact_methods", rule["contact_method"]["id"]))
    return out


def _handoff_type(data: dict[str, Any]) -> str:
    value = data.get("handoff_type", "both")
    if value not in HANDOFF_TYPES:
        raise bad_request(errors=[f"handoff_type must be one of {', '.join(HANDOFF_TYPES)}"])
    return str(value)


def add_handoff_rule(store: Store, user: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    method = _method_named(store, user, data)
    return build_handoff_rule(store, user, method, _handoff_type(data), _minutes(data, "notify_advance_in_minutes", 0))


def update_handoff_rule(
    store: Store, user: dict[str, Any], rule: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    merged = {**public(rule), **{k: v for k, v in data.items() if v is not None and k != "id"}}
    method = _method_named(store, user, merged)
    rule.update(
        handoff_type=_handoff_type(merged),
        notify_advance_in_minutes=_minutes(merged, "notify_advance_in_minutes", 0),
        contact_method={"id": method["id"], "type": method["type"]},
    )
    return rule


def delete_handoff_rule(store: Store, user: dict[str, Any], ident: str) -> None:
    handoff_rule_of(store, user, ident)
    store.remove("handoff_rules", ident)
