"""Who may change the collection. Readers browse, filter and download; editors also add and remove sources,
decide merges and curate topics. Pages ask `can_edit()` before drawing a control that changes anything, and
every callback that changes something asks again (a request can be forged; a hidden button is not a lock).

- No configuration (one person on their own machine): everyone is an editor.
- `[paper_atlas] read_only = true` in secrets.toml, or PAPER_ATLAS_READ_ONLY=1: nobody is.
- With Streamlit's login configured (`[auth]` in secrets.toml), the editors are the logged-in people whose
  verified e-mail is in `[paper_atlas] editors`; everyone else reads. Listing editors without `[auth]` makes
  the app read-only, since nobody could be told apart.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import streamlit as st

from lib.explore.display import escape_markdown

log = logging.getLogger("paper_atlas")
READ_ONLY_ENV = "PAPER_ATLAS_READ_ONLY"
SECTION = "paper_atlas"
DENIED = "_edit_denied"  # a change this session asked for and was not allowed, said once


@dataclass(frozen=True)
class Settings:
    read_only: bool = False
    login: bool = False  # [auth] is configured: people log in through the identity provider
    editors: frozenset[str] = frozenset()  # e-mail addresses, case-folded
    provider: str | None = None  # the [auth.NAME] section to log in with; None for the [auth] section itself

    @property
    def misconfigured(self) -> bool:
        return bool(self.editors) and not self.login


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def settings() -> Settings:
    """The operator's choices, from secrets.toml and the environment (read on every run: cheap, and a changed
    secrets.toml applies at once)."""
    secrets: dict = {}
    try:
        if st.secrets.load_if_toml_exists():
            secrets = {k: st.secrets[k] for k in (SECTION, "auth") if k in st.secrets}
    except (FileNotFoundError, KeyError, TypeError, ValueError):
        secrets = {}
    own = secrets.get(SECTION) or {}
    auth = secrets.get("auth") or {}
    editors = own.get("editors") or []
    editors = [editors] if isinstance(editors, str) else editors
    providers = [k for k, v in auth.items() if hasattr(v, "get") and v.get("client_id")]
    return Settings(
        read_only=_truthy(os.environ.get(READ_ONLY_ENV, "")) or _truthy(own.get("read_only", False)),
        login=bool(auth),
        editors=frozenset(str(e).strip().casefold() for e in editors if str(e).strip()),
        provider=None if auth.get("client_id") or not providers else providers[0],
    )


def _user() -> dict:
    try:
        return st.user.to_dict()
    except (AttributeError, KeyError):
        return {}


def can_edit() -> bool:
    """Whether this visitor may change the collection (sources, merge decisions, topic names and clusters)."""
    chosen = settings()
    if chosen.read_only or chosen.misconfigured:
        return False
    if not chosen.login:
        return True
    user = _user()
    if not user.get("is_logged_in") or user.get("email_verified") is False:
        return False
    return str(user.get("email") or "").strip().casefold() in chosen.editors


def who() -> str:
    """The visitor as the server log names them: the e-mail they logged in with, else 'a local editor'."""
    email = _user().get("email") if settings().login else None
    return str(email) if email else "a local editor"


def allowed(action: str) -> bool:
    """For callbacks: True when this visitor may make the change `action` names; otherwise the refusal is logged
    and said once on the page (see refusal), and nothing is changed."""
    if can_edit():
        log.info("%s: %s", who(), action)
        return True
    log.warning("refused for a reader (%s): %s", _user().get("email") or "not logged in", action)
    st.session_state[DENIED] = action
    return False


def refusal() -> None:
    """Say once that a change was refused (a stale page, or a forged request)."""
    if action := st.session_state.pop(DENIED, None):
        st.error(f"Only editors can change the collection; nothing was done ({escape_markdown(action)}).")


def account() -> None:
    """Who the visitor is and what they may do, with the login or logout button when login is configured. Draws
    nothing with no configuration (everyone edits, as on one's own machine)."""
    chosen = settings()
    if chosen.read_only or chosen.misconfigured:
        st.caption("Read-only: this collection can be browsed and downloaded, not changed.")
        return
    if not chosen.login:
        return
    user = _user()
    if not user.get("is_logged_in"):
        st.caption("Reading. Editors log in to add papers and curate the collection.")
        st.button("Log in", key="login", on_click=_login, args=(chosen.provider,), icon=":material/login:")
        return
    role = "editor" if can_edit() else "reader"
    st.caption(f"Logged in as {escape_markdown(str(user.get('email') or user.get('name') or 'you'))} ({role}).")
    st.button("Log out", key="logout", on_click=st.logout, icon=":material/logout:")


def _login(provider: str | None) -> None:
    if provider:
        st.login(provider)
    else:
        st.login()
