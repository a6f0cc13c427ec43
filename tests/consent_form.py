"""Reading our consent page as a browser would: the form's action and its hidden fields."""

from __future__ import annotations

import html
import re

__all__ = ["consent_form"]

_FORM = re.compile(r'<form method="post" action="([^"]+)">')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def consent_form(page: str) -> tuple[str, dict[str, str]]:
    """The form's action and hidden fields (``AssertionError`` when ``page`` is not our consent page)."""
    action = _FORM.search(page)
    assert action is not None and "Approve" in page, f"not the consent page: {page[:300]}"
    fields = {html.unescape(name): html.unescape(value) for name, value in _HIDDEN.findall(page)}
    return html.unescape(action.group(1)), fields
