"""The consent page: what a user sees before a client's sign-in leaves for PagerDuty.

The operator's PagerDuty app is the same for every client that registers here, so PagerDuty's own
consent (given once, to that app) says nothing about which client asks now. This page does: the
name the client gave itself (escaped, and said to be unverified), where the sign-in will be sent
(the host of its redirect URI, or "an app on this computer"), and what the client will be able to
do, from the scopes it asked and the tools this server has (read only unless the server runs with
``--enable-write-tools``).

The page is plain HTML and a form, so it works without JavaScript; its Content-Security-Policy
allows no script, no frame around it (``frame-ancestors 'none'``), and forms only to this server,
to PagerDuty's sign-in page and to the client's redirect. Two cookies, both ``HttpOnly`` and
``SameSite=Lax`` (``__Host-`` and ``Secure`` when the server is served over https):

- the *browser* cookie, a random value: a sign-in is bound to the browser that saw this page, so
  the callback refuses a browser without it (a link to PagerDuty's page, sent to someone else,
  completes nothing), and a cross-site form cannot approve (``Lax``: no cookie on a cross-site
  ``POST``);
- the *user* cookie, set after a sign-in: the PagerDuty user, sealed with the server key, so that
  an approval is remembered per user, client and redirect URI (in the sign-in store).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse

from pagerduty_mcp.common.hosting.redirects import LOOPBACK_HOSTS

__all__ = ["CONSENT_PATH", "Access", "Cookies", "access_of", "consent_page", "message_page", "redirect_source"]

CONSENT_PATH = "/oauth/consent"

_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; padding: 1rem; line-height: 1.5; }
main { max-width: 34rem; margin: 0 auto; }
h1 { font-size: 1.4rem; line-height: 1.3; overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 1.2rem 0 0.3rem; }
p, li { overflow-wrap: anywhere; }
.server { color: GrayText; font-size: 0.9rem; margin: 0; }
.note { font-size: 0.9rem; }
.where { font-size: 1.2rem; font-weight: 600; margin: 0; }
.away { border-left: 0.3rem solid #c0392b; padding-left: 0.6rem; }
code { font-size: 0.85rem; overflow-wrap: anywhere; }
form { display: flex; flex-wrap: wrap; gap: 0.8rem; margin-top: 1.5rem; }
button { flex: 1 1 10rem; min-height: 3rem; font-size: 1.05rem; border-radius: 0.4rem; cursor: pointer; }
button.approve { background: #1f6f43; color: #fff; border: 0; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


@dataclass(frozen=True)
class Access:
    """What a client may do once signed in, in words."""

    writes: bool
    reads: tuple[str, ...]  # resources, in words ("incidents", "escalation policies")
    changes: tuple[str, ...]
    tools: int


def access_of(
    allowed_tools: Iterable[str], write_tools: frozenset[str], scopes: Mapping[str, tuple[str, ...]]
) -> Access:
    """From the tools the asked scopes allow (``scopes``: each tool's scopes)."""
    tools = sorted(allowed_tools)
    writes = [t for t in tools if t in write_tools]
    reads = sorted({_resource(s) for t in tools for s in scopes.get(t, ()) if s.endswith(".read")})
    changes = sorted({_resource(s) for t in writes for s in scopes.get(t, ()) if s.endswith(".write")})
    return Access(bool(writes), tuple(reads), tuple(changes), len(tools))


def _resource(scope: str) -> str:
    return scope.rsplit(".", 1)[0].split(":", 1)[0].replace("_", " ")


def redirect_source(uri: str) -> str:
    """The CSP source that lets this page's form end at ``uri`` (a form's redirects are checked too)."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def _where(uri: str) -> tuple[str, str, bool]:
    """Where the sign-in is sent: a headline, an explanation, and whether it leaves this device."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS:
        port = f", port {parts.port}" if parts.port else ""
        return f"An app on this computer ({host}{port})", "The sign-in stays on this computer.", False
    if parts.scheme == "https":
        return host, f"The website {host} receives your sign-in. Approve only if you trust it.", True
    return (
        f"The app that opens {parts.scheme}: links",
        f"An app installed on this device that handles {parts.scheme}: links receives your sign-in.",
        False,
    )


class Cookies:
    """The browser and user cookies, named and flagged for how the server is reached."""

    def __init__(self, secure: bool) -> None:
        self.secure = secure
        prefix = "__Host-" if secure else ""
        self.browser = f"{prefix}pdmcp-browser"
        self.user = f"{prefix}pdmcp-user"

    def set(self, name: str, value: str, max_age: int) -> str:
        """A ``Set-Cookie`` value (``max_age`` 0 deletes)."""
        flags = "; Secure" if self.secure else ""
        return f"{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{flags}"

    @staticmethod
    def read(request: Request, name: str) -> str | None:
        value = request.cookies.get(name, "").strip()
        return value if value and len(value) <= 512 else None


def _csp(form_sources: Iterable[str]) -> str:
    sources = " ".join(dict.fromkeys(["'self'", *form_sources]))
    return (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action {sources}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def _response(status: int, body: str, form_sources: Iterable[str] = (), cookies: Iterable[str] = ()) -> HTMLResponse:
    response = HTMLResponse(body, status)
    response.headers.update(
        {
            "Content-Security-Policy": _csp(form_sources),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",  # "no-referrer" would make the form's Origin "null"
            "Cache-Control": "no-store",
        }
    )
    for cookie in cookies:
        response.headers.append("Set-Cookie", cookie)
    return response


def _document(title: str, main: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{main}\n</main>\n</body>\n</html>\n"
    )


def consent_page(
    *,
    server: str,
    client_name: str | None,
    redirect_uri: str,
    access: Access,
    action: str,
    fields: Mapping[str, str],
    form_sources: Iterable[str],
    cookies: Iterable[str] = (),
) -> HTMLResponse:
    """The page that asks the user to approve or deny the client's sign-in."""
    e = html.escape
    name = client_name.strip() if client_name and client_name.strip() else None
    shown = f"“{e(name)}”" if name else "An app that gave no name"
    where, explanation, away = _where(redirect_uri)
    if access.writes:
        can = (
            f"<p><strong>Read and change</strong> your PagerDuty data, as you, with {access.tools} tools.</p>"
            f"<p>Read: {e(', '.join(access.reads))}.</p><p>Change: {e(', '.join(access.changes))}.</p>"
        )
    else:
        can = (
            f"<p><strong>Read only</strong>: it can read your PagerDuty data, as you, with {access.tools} tools, "
            "and cannot change anything.</p>"
            f"<p>Read: {e(', '.join(access.reads)) or 'nothing'}.</p>"
        )
    hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items())
    main = f"""<p class="server">{e(server)}</p>
<h1>Allow {shown} to use PagerDuty as you?</h1>
<p class="note">The app chose this name itself: nobody has checked it. Approve only if you are connecting
this app yourself, right now.</p>
<h2>Your sign-in will be sent to</h2>
<div{' class="away"' if away else ""}>
<p class="where">{e(where)}</p>
<p>{e(explanation)}<br><code>{e(redirect_uri)}</code></p>
</div>
<h2>What it will be able to do</h2>
{can}
<p>Next, PagerDuty asks you to sign in. It grants only what your PagerDuty role allows.</p>
<form method="post" action="{e(action)}">
{hidden}
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
<p class="note">Did not just start connecting an app? Choose Deny.</p>"""
    title = f"Allow {name or 'an unnamed app'} to use PagerDuty?"
    return _response(200, _document(title, main), form_sources, cookies)


def message_page(status: int, title: str, message: str, cookies: Iterable[str] = ()) -> HTMLResponse:
    """A page that explains why a sign-in cannot go on, and what to do."""
    main = f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(message)}</p>"
    return _response(status, _document(title, main), (), cookies)
