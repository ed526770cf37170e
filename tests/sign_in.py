"""Users-mode sign-in for AppTest pages whose subject is not the session itself (AppTest sends no
cookies): the session mechanics are tested in tests/pages/test_sign_in_users.py, with a real
browser in tests/browser/test_browser_users_session.py."""
from __future__ import annotations


def sign_in_as(monkeypatch, identity: str | None) -> None:
    """Make ``ui.auth`` see ``identity`` as this browser's signed-in users-file session (None:
    signed out), with the cookie routes counted as mounted (the board runs through serve.py)."""
    import ui.auth
    import ui.session_routes

    monkeypatch.setattr(ui.session_routes, "_mounted", True)
    monkeypatch.setattr(ui.auth, "users_session_identity", lambda: identity)
