"""The two HTTP routes that set and clear the users-file sign-in cookie, mounted beside Streamlit by
``serve.py`` through Streamlit's own ``st.App(..., routes=...)`` (Starlette routes).

Why routes: a Streamlit script cannot set a cookie (``st.context.cookies`` is read-only, and the
script talks to the browser over a websocket). A component or ``st.html`` script writing
``document.cookie`` could, but such a cookie cannot be ``HttpOnly``, so any script injected into
the page could read the session. An HTTP response can: after the password is checked, the sign-in
form sends the browser to :data:`START_PATH` with a short-lived signed ticket
(``ui.session_token``); the route answers with ``Set-Cookie: longscope_session=<signed session
token>; HttpOnly; SameSite=Lax; Path=/`` (``Secure`` over HTTPS) and a redirect back to the page
the visitor was on. :data:`END_PATH` clears the cookie after sign-out (the session itself is ended
in the store, so a copy of the cookie is refused too).
"""
from __future__ import annotations

import threading
import time
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from storage.scope import auth_mode
from ui.session_token import SESSION_COOKIE, TICKET_SECONDS, issue, read, session_seconds, signing_key

START_PATH = "/api/longscope/session/start"
END_PATH = "/api/longscope/session/end"
_used: dict[str, float] = {}  # tickets already exchanged (one use each), with when
_used_lock = threading.Lock()
_mounted = False


def mounted() -> bool:
    """True once :func:`routes` was called in this process (the board runs through ``serve.py``)."""
    return _mounted


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site (``/x?y``), else ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def start_url(ticket: str, next_path: str) -> str:
    """The URL the sign-in form sends the browser to."""
    return f"{START_PATH}?ticket={quote(ticket)}&next={quote(safe_next(next_path))}"


def exchange(ticket: str | None) -> str | None:
    """The session cookie value for a valid, unused sign-in ticket (then marked used), else None."""
    payload = read(ticket, "ticket")
    if payload is None:
        return None
    now = time.monotonic()
    with _used_lock:
        for t, when in list(_used.items()):
            if now - when > 2 * TICKET_SECONDS:
                del _used[t]
        if ticket in _used:
            return None
        _used[ticket] = now
    return issue(payload, "session")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


async def start(request: Request) -> RedirectResponse:
    """Exchange ``?ticket=`` for the session cookie and go back to ``?next=`` (without a cookie
    when the ticket is invalid, expired or used: the sign-in form shows again)."""
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    value = exchange(request.query_params.get("ticket"))
    if value is not None:
        response.set_cookie(SESSION_COOKIE, value, max_age=session_seconds(), path="/", httponly=True,
                            samesite="lax", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


async def end(request: Request) -> RedirectResponse:
    """Clear the session cookie and go back to ``?next=``."""
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def routes() -> list[Route]:
    """The routes for ``st.App(..., routes=routes())`` (marks them :func:`mounted`). With
    ``LONGSCOPE_AUTH=users`` it reads the signing key now, so a missing key file is generated, with
    its note in the log, at start.

    Raises:
        ValueError: the configured key is shorter than 32 characters.
    """
    global _mounted
    if auth_mode() == "users":
        signing_key()
    _mounted = True
    return [Route(START_PATH, start, methods=["GET"]), Route(END_PATH, end, methods=["GET"])]
