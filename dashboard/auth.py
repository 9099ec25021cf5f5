"""Who may see the dashboard: Streamlit's built-in OpenID Connect login, when configured.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` (README, "Running the dashboard
securely"), every page needs a logged-in user and a visitor who is not sees only a login
prompt. Without one the dashboard is open to whoever can reach it, which is why it binds to
localhost by default. ``VOC_DASHBOARD_REQUIRE_LOGIN=true`` makes a missing ``[auth]``
section refuse every visitor, so a deployment that lost its secrets fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from pipelines.settings import get_settings


def auth_section() -> Mapping | None:
    """The ``[auth]`` secrets section, or None when login is not configured."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) and section else None


def login_providers(section: Mapping) -> list[str | None]:
    """None for the provider configured directly under ``[auth]``, then each ``[auth.NAME]``."""
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return ([None] if "client_id" in section else []) + named


def _login_prompt() -> None:
    st.title("Voice of customer")
    st.info("Log in to see customer feedback.")
    for provider in login_providers(auth_section() or {}) or [None]:
        label = "Log in" if provider is None else f"Log in with {provider}"
        args = () if provider is None else (provider,)
        st.button(label, on_click=st.login, args=args, key=f"auth.login.{provider or 'default'}")


def _refusal() -> None:
    st.error(
        "This dashboard requires login (VOC_DASHBOARD_REQUIRE_LOGIN) but no [auth] section "
        "is configured in .streamlit/secrets.toml."
    )


def page_for_visitor() -> StreamlitPage | None:
    """None when the visitor may see the dashboard; otherwise the one page they may open.

    The entry script must hand that page to ``st.navigation`` rather than stop early: a run
    that never calls ``st.navigation`` makes Streamlit serve the files in a ``pages/`` folder by
    their own URLs, past this check. (The page files live in ``views/`` for the same reason:
    Streamlit serves a ``pages/`` folder by URL even before the entry script first runs.)
    """
    section = auth_section()
    if section is None:
        return st.Page(_refusal, title="Login required") if get_settings().dashboard_require_login else None
    if not st.user.get("is_logged_in"):
        return st.Page(_login_prompt, title="Log in")
    with st.sidebar:
        st.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'you'}")
        st.button("Log out", on_click=st.logout, key="auth.logout")
    return None
