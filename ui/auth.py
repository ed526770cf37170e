"""Sign-in: who is looking, and the :class:`storage.scope.Scope` a page reads with (issue 11).

``$LONGSCOPE_AUTH`` picks the mode (``storage.scope.auth_mode``):

- ``off`` (default): one person on localhost; no sign-in, the local user is admin of everything.
- ``oidc``: Streamlit's own OpenID Connect sign-in (``st.login`` / ``st.user`` / ``st.logout``),
  configured in ``.streamlit/secrets.toml`` ``[auth]`` (README, "Deploying for a team"). The
  identity is the ``email`` claim (unless the provider says ``email_verified: false``), else ``sub``. ``$LONGSCOPE_OIDC_PROVIDER`` names the provider
  section when there are several (``[auth.NAME]``).
- ``users``: a users file with Argon2 hashes (:mod:`ui.users_file`). A sign-in is a session
  (:func:`users_session_identity`): a signed, expiring token (``ui.session_token``) in an HttpOnly
  cookie set by the route of ``ui.session_routes`` (the board runs through ``serve.py``), naming a
  session recorded in the store (``storage.sessions``) and the version of the user's password
  hash. Every tab, a reload and a permalink opened elsewhere stay signed in; sign-out ends the
  session in the store (refused in every tab from its next load) and clears the cookie; a new
  password or a user removed from the file refuses the sessions signed in before.

:func:`require_sign_in` is the gate: ``ui.page.page_setup`` calls it before anything is drawn,
so a signed-out visitor sees the sign-in form and nothing else, on every page and every deep link. After an OIDC sign-in Streamlit returns to ``/``; the link the visitor opened is kept
in the tab's ``sessionStorage`` and reopened (same page, same query string).
"""
from __future__ import annotations

import json
import os
import threading
import time

import streamlit as st

from storage.db import Store, StoreBusyError, default_db_path, open_store
from storage.sessions import end_session, session_identity, start_session
from storage.scope import DEFAULT_WORKSPACE, MEMBER, NoAccessError, Scope, acting_as, auth_mode, local_scope
from storage.workspaces import ensure_first_admin, scope_for
from ui import session_routes, session_token

_ENDED_KEY = "_longscope_ended_session"  # users mode: the session this tab signed out of (cookie being cleared)
_RETURN_KEY = "longscope_return_to"    # sessionStorage key of the link opened before an OIDC sign-in
#: users mode: failed sign-ins per name allowed in :data:`LOCKOUT_S` before refusing for that long
MAX_FAILURES, LOCKOUT_S = 5, 300.0
_failures: dict[str, list[float]] = {}
_failures_lock = threading.Lock()


def identity() -> str | None:
    """The signed-in identity, or None when signed out (always ``local`` with sign-in off)."""
    mode = auth_mode()
    if mode == "off":
        return local_scope().identity
    if mode == "oidc":
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email") if st.user.get("email_verified") is not False else None
        return str(email or st.user.get("sub") or "") or None
    return users_session_identity()


def _session_cookie() -> str | None:
    """The session cookie the browser sent when this tab connected (``st.context.cookies``)."""
    return st.context.cookies.get(session_token.SESSION_COOKIE)


def _session() -> dict | None:
    """The payload of this tab's valid session token (``sid``, ``user``, ``pwv``), or None."""
    payload = session_token.read(_session_cookie(), "session")
    if payload is None or payload.get("sid") == st.session_state.get(_ENDED_KEY):
        return None
    return payload


def users_session_identity() -> str | None:
    """Users mode: the signed-in name of this tab's session, or None when there is no cookie, or
    its token is tampered with or expired, its session was ended (sign-out in any tab), or the user
    is no longer in the users file or has a new password since.

    Raises:
        StoreBusyError: the store cannot be opened (another process holds the embedded file).
    """
    from ui.users_file import password_version

    payload = _session()
    if payload is None:
        return None
    user = payload.get("user")
    if not isinstance(user, str) or password_version(user) != payload.get("pwv"):
        return None
    if session_identity(open_store(default_db_path()), str(payload.get("sid"))) != user:
        return None
    return user


def require_sign_in() -> None:
    """The gate: with sign-in on and nobody signed in, draw the sign-in form and stop the page
    (before its title, so a signed-out visitor learns nothing, not even which page a link names)."""
    if auth_mode() == "off":
        return
    try:
        who = identity()
    except StoreBusyError as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    if who is None:
        _sign_in_form()
        st.stop()


def signed_in_scope(store: Store) -> Scope:
    """The scope of the signed-in user (call after :func:`require_sign_in`).

    With sign-in on, the first admin named by ``$LONGSCOPE_ADMIN`` is made admin of the
    ``default`` workspace (once, while it has none). A signed-in user with no role anywhere gets a
    scope that sees nothing (and a message saying whom to ask).

    Raises:
        NoAccessError: nobody is signed in while sign-in is on.
    """
    if auth_mode() == "off":
        return local_scope()
    who = identity()
    if who is None:
        raise NoAccessError("sign in first")
    ensure_first_admin(store)
    scope = scope_for(store, who)
    _account_box(scope)
    _return_after_sign_in()
    return scope


def _sign_in_form() -> None:
    """The only thing a signed-out visitor sees."""
    st.title("LongScope")
    st.info("Sign in to see this board.", icon=":material/lock:")
    if auth_mode() == "oidc":
        _remember_link()
        if st.button("Sign in", type="primary", icon=":material/login:"):
            provider = os.environ.get("LONGSCOPE_OIDC_PROVIDER") or None
            try:
                st.login(provider) if provider else st.login()
            except Exception as exc:  # StreamlitAuthError: no or incomplete [auth] section
                st.error(f"Sign-in is not configured on this server (LONGSCOPE_AUTH=oidc needs an [auth] section "
                         f"in .streamlit/secrets.toml; README, 'Deploying for a team'): {exc}")
        return
    if not session_routes.mounted():
        st.error("LONGSCOPE_AUTH=users needs the sign-in routes: start the board with `streamlit run serve.py` "
                 "(README, 'Deploying for a team').", icon=":material/error:")
        return
    with st.form("sign_in"):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if _password_ok(name.strip(), password):
            _start_session(name.strip())
            return
        st.error("Wrong user name or password (or too many tries: wait a few minutes).")


def _start_session(name: str) -> None:
    """Record a session for ``name`` and send the browser through the cookie route, back to the
    same page and query string (the deep link opened)."""
    from ui.users_file import password_version

    sid = start_session(open_store(default_db_path()), name)
    ticket = session_token.issue({"sid": sid, "user": name, "pwv": password_version(name)}, "ticket")
    st.session_state.pop(_ENDED_KEY, None)
    st.info("Signing in…", icon=":material/login:")
    _go(session_routes.start_url(ticket, "/"), keep_place=True)


def _go(url: str, *, keep_place: bool) -> None:
    """Send the browser to ``url`` (a same-site route); ``keep_place``: its ``next=`` becomes the
    page and query string the browser is on."""
    st.html(f"""<script>
      (function() {{
        let to = {json.dumps(url)};
        if ({json.dumps(keep_place)}) to = to.replace(/next=[^&]*/, "next=" +
            encodeURIComponent(window.location.pathname + window.location.search));
        window.location.replace(to);
      }})();
    </script>""", unsafe_allow_javascript=True)


def _password_ok(name: str, password: str) -> bool:
    """Check against the users file, refusing a name after :data:`MAX_FAILURES` failures in
    :data:`LOCKOUT_S` seconds (per server process)."""
    from ui.users_file import verify

    now = time.monotonic()
    with _failures_lock:
        recent = [t for t in _failures.get(name, []) if now - t < LOCKOUT_S]
        _failures[name] = recent
        if len(recent) >= MAX_FAILURES:
            return False
    if verify(name, password):
        return True
    with _failures_lock:
        _failures.setdefault(name, []).append(now)
    return False


def sign_out() -> None:
    """Sign out (OIDC: clears Streamlit's identity cookie; users: ends the session in the store, so
    every tab holding its cookie is refused from its next load, and clears the cookie)."""
    if auth_mode() == "oidc":
        st.logout()
        return
    payload = _session()
    if payload is not None:
        end_session(open_store(default_db_path()), str(payload.get("sid")), by=payload.get("user"))
        st.session_state[_ENDED_KEY] = payload.get("sid")
    _go(f"{session_routes.END_PATH}?next=/", keep_place=True)
    st.stop()


def _account_box(scope: Scope) -> None:
    """Sidebar: who is signed in, their roles, and the sign-out button."""
    with st.sidebar:
        roles = ", ".join(f"{w} ({r})" for w, r in scope.roles) or "no workspace yet"
        st.caption(f"Signed in as **{scope.identity}** · {roles}")
        if st.button("Sign out", icon=":material/logout:", key="_longscope_sign_out"):
            sign_out()
    if not scope.roles:
        st.warning(f"{scope.identity} is not a member of any workspace yet: ask an admin to add you "
                   "(Admin page). You see no data until then.", icon=":material/group_off:")


def _remember_link() -> None:
    """Keep the link being opened (path + query) in the tab's sessionStorage for after the OIDC
    round trip, which always lands on ``/``."""
    st.html(f"""<script>
      (function() {{
        const here = window.location.pathname + window.location.search;
        if (here !== "/" && here !== "") sessionStorage.setItem({json.dumps(_RETURN_KEY)}, here);
      }})();
    </script>""", unsafe_allow_javascript=True)


def _return_after_sign_in() -> None:
    """Signed in: reopen the link kept by :func:`_remember_link`, once (same-origin paths only)."""
    if auth_mode() != "oidc" or st.session_state.get("_longscope_returned"):
        return
    st.session_state["_longscope_returned"] = True
    st.sidebar.html(f"""<script>
      (function() {{
        const to = sessionStorage.getItem({json.dumps(_RETURN_KEY)});
        if (!to) return;
        sessionStorage.removeItem({json.dumps(_RETURN_KEY)});
        if (to.startsWith("/") && !to.startsWith("//") && to !== window.location.pathname + window.location.search)
          window.location.replace(to);
      }})();
    </script>""", unsafe_allow_javascript=True)


def writable_workspace(scope: Scope) -> str | None:
    """The workspace new results (uploads, probe runs) go to: the one where the user is member or
    admin, or their pick in the sidebar when there are several; None for a viewer (with a note)."""
    names = list_workspaces_for(scope)
    writable = [w for w in names if scope.allows(w, MEMBER)]
    if not writable:
        st.info("Your role is viewer: you can browse results, not store new ones.", icon=":material/visibility:")
        return None
    if len(writable) == 1:
        return writable[0]
    return st.sidebar.selectbox("Workspace for new results", writable, key="_longscope_write_ws")


def list_workspaces_for(scope: Scope) -> list[str]:
    """The workspaces of ``scope`` (``default`` for the local user with sign-in off)."""
    return [DEFAULT_WORKSPACE] if scope.every_workspace else list(scope.workspaces)


