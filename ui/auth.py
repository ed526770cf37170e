"""Sign-in: who is looking, and the :class:`storage.scope.Scope` a page reads with (issue 11).

``$LONGSCOPE_AUTH`` picks the mode (``storage.scope.auth_mode``):

- ``off`` (default): one person on localhost; no sign-in, the local user is admin of everything.
- ``oidc``: Streamlit's own OpenID Connect sign-in (``st.login`` / ``st.user`` / ``st.logout``),
  configured in ``.streamlit/secrets.toml`` ``[auth]`` (README, "Deploying for a team"). The
  identity is the ``email`` claim (unless the provider says ``email_verified: false``), else ``sub``. ``$LONGSCOPE_OIDC_PROVIDER`` names the provider
  section when there are several (``[auth.NAME]``).
- ``users``: a users file with Argon2 hashes (:mod:`ui.users_file`); the sign-in lasts for the
  browser tab's session.

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

from storage.db import Store
from storage.scope import DEFAULT_WORKSPACE, MEMBER, NoAccessError, Scope, acting_as, auth_mode, local_scope
from storage.workspaces import ensure_first_admin, scope_for

_IDENTITY_KEY = "_longscope_identity"  # users mode: the signed-in name in st.session_state
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
    return st.session_state.get(_IDENTITY_KEY)


def require_sign_in() -> None:
    """The gate: with sign-in on and nobody signed in, draw the sign-in form and stop the page
    (before its title, so a signed-out visitor learns nothing, not even which page a link names)."""
    if auth_mode() != "off" and identity() is None:
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
    with st.form("sign_in"):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if _password_ok(name.strip(), password):
            st.session_state[_IDENTITY_KEY] = name.strip()
            st.rerun()  # same page, same query string: the deep link opened
        st.error("Wrong user name or password (or too many tries: wait a few minutes).")


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
    """Sign out (OIDC: clears Streamlit's identity cookie; users: forgets the tab's sign-in)."""
    if auth_mode() == "oidc":
        st.logout()
    else:
        st.session_state.pop(_IDENTITY_KEY, None)
        st.rerun()


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


