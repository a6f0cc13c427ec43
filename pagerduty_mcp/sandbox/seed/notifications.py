"""The seed account's on-call hand-off rules: everyone hears before their on-call changes hands.

People with the mobile app get a push an hour before they go on or off call; the others an email a
day before they go on call (a week's shift is worth a day's notice). Their contact methods and
notification rules are made with the users (:mod:`.people`).

Added to the account after it was first published: made last, with ids of their own stream
(:meth:`Store.new_id`), so that no id made before or after the seed moves.
"""

from __future__ import annotations

from pagerduty_mcp.sandbox.model.notifications import build_handoff_rule
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.seed import data
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["HANDOFF_STREAM", "add_handoff_rules"]

HANDOFF_STREAM = "handoff_rules"
# (contact method type, handoff type, minutes before) for people with push, and without.
_WITH_PUSH = ("push_notification_contact_method", "both", 60)
_WITHOUT_PUSH = ("email_contact_method", "oncall", 24 * 60)


def add_handoff_rules(store: Store, users: Ids) -> None:
    for name, spec in data.USERS.items():
        user = store.get("users", users[name])
        method_type, handoff, minutes = _WITH_PUSH if spec.push else _WITHOUT_PUSH
        method = next(
            store.get("contact_methods", ref["id"])
            for ref in user["contact_methods"]
            if store.get("contact_methods", ref["id"])["type"] == method_type
        )
        build_handoff_rule(store, user, method, handoff, minutes, id_stream=HANDOFF_STREAM)
