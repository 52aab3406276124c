"""Who is using the app: the sign-in in the sidebar, and the identity the edit tab acts as.

The identity is resolved on the server on every rerun, from Streamlit's OIDC user (when
``[auth]`` is configured) or from the session token of a local account. Nothing else in
the session state can grant a role: a forged ``identity`` or ``role`` entry is ignored.

Settings (``.streamlit/secrets.toml``)::

    [access]
    require_login = false        # true: nobody sees the map before signing in
    session_hours = 8
    editors = ["zhang@example.cn"]   # OIDC e-mail addresses with the editor role
    admins = ["wang@example.cn"]
    role_claim = "jining_role"       # or: a claim of the identity provider holding the role
    trust_proxy = true               # behind a reverse proxy on this machine: see below
    trusted_proxies = ["127.0.0.1"]  # the proxies' addresses or networks (default: loopback)

The client address that failed sign-ins are counted under is the socket's peer. Only with
``trust_proxy``, and only for a connection whose peer is one of ``trusted_proxies``, it is
the rightmost ``X-Forwarded-For`` entry that is not a trusted proxy (what the proxy saw).
Streamlit's server (uvicorn) would itself replace the peer by a forwarded address on
loopback connections; :func:`_connection` reads the socket's own peer instead, and
``scripts/run.sh`` turns that rewriting off (``FORWARDED_ALLOW_IPS=""``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from layers._errors import describe
from layers.edits.auth import ROLES, Accounts, AuthError, Identity, client_address
from layers.edits.store import Store, StoreWriteError, writing
from layers.labels import md_escape, t

TOKEN = "auth_token"


@dataclass(frozen=True)
class AccessSettings:
    require_login: bool = False
    session_hours: float = 8.0
    oidc: bool = False
    editors: frozenset = field(default_factory=frozenset)
    admins: frozenset = field(default_factory=frozenset)
    role_claim: str | None = None
    trust_proxy: bool = False
    trusted_proxies: tuple = ()


def settings_from(secrets: dict) -> AccessSettings:
    """The access settings from the app's secrets (all optional)."""
    access = dict(secrets.get("access") or {})
    hours = access.get("session_hours", 8)
    trust = bool(access.get("trust_proxy", False))
    proxies = access.get("trusted_proxies") or ["127.0.0.1", "::1"]
    return AccessSettings(
        require_login=bool(access.get("require_login", False)),
        session_hours=float(hours) if isinstance(hours, (int, float)) and 0 < hours <= 24 * 30 else 8.0,
        oidc="auth" in secrets,
        editors=frozenset(str(e).lower() for e in access.get("editors") or ()),
        admins=frozenset(str(e).lower() for e in access.get("admins") or ()),
        role_claim=access.get("role_claim"),
        trust_proxy=trust,
        trusted_proxies=tuple(str(p) for p in proxies) if trust else (),
    )


def _oidc_identity(conf: AccessSettings) -> Identity | None:
    if not conf.oidc or not getattr(st.user, "is_logged_in", False):
        return None
    email = str(st.user.get("email") or st.user.get("sub") or "").lower()
    role = "viewer"
    claimed = st.user.get(conf.role_claim) if conf.role_claim else None
    if claimed in ROLES:
        role = claimed
    if email in conf.editors:
        role = "editor"
    if email in conf.admins:
        role = "admin"
    return Identity(email, role, "oidc")


def current_identity(state, conf: AccessSettings, store: Store) -> Identity | None:
    """The signed-in identity, resolved now in ``store``; None when nobody is signed in."""
    who = _oidc_identity(conf)
    if who:
        return who
    token = state.get(TOKEN)
    if not token:
        return None
    who = Accounts(store).resolve(token)
    if who is None:
        state.pop(TOKEN, None)  # expired, removed or forged: signed out
    return who


def _connection() -> tuple[str | None, tuple[str, ...]]:
    """This session's socket peer and ``X-Forwarded-For`` values; (None, ()) without a server.

    ``st.context.ip_address`` is not the peer: Streamlit 1.67 serves with uvicorn, whose proxy
    middleware replaces the ASGI client by an ``X-Forwarded-For`` address whenever the peer is
    in ``FORWARDED_ALLOW_IPS`` (loopback by default), so anyone on this machine, or any
    request through a local proxy, could name its own address. uvicorn's protocol object
    keeps the transport's peer; it is read there, with the remote address as a fallback for
    another server (correct when ``FORWARDED_ALLOW_IPS=""``, as scripts/run.sh sets it)."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner_utils import script_run_context

    try:
        ctx = script_run_context.get_script_run_ctx()
        session = runtime.get_instance().get_client(ctx.session_id) if ctx else None
    except RuntimeError:  # no server (AppTest, bare mode)
        return None, ()
    if session is None:
        return None, ()
    context = session.client_context
    forwarded = tuple(v for k, v in context.headers if k.lower() == "x-forwarded-for")
    protocol = getattr(getattr(getattr(session, "_websocket", None), "_receive", None), "__self__", None)
    peer = getattr(protocol, "client", None)
    if isinstance(peer, (tuple, list)) and peer and peer[0]:
        return str(peer[0]), forwarded
    return context.remote_ip, forwarded


def _client(conf: AccessSettings) -> str:
    """The client's address, for the limits on failed sign-ins (``layers.edits.auth.client_address``):
    the socket's peer, or with ``trust_proxy`` the address a trusted proxy forwards."""
    peer, forwarded = _connection()
    return client_address(peer, forwarded if conf.trust_proxy else (), conf.trusted_proxies)


def sign_in_form(lang: str, state, conf: AccessSettings, where=None) -> None:
    """The sign-in form: a local account's name and password, and the organisation's
    sign-in when OIDC is configured."""
    where = where or st.sidebar
    if conf.oidc:
        where.button(t("login_oidc", lang), on_click=st.login, key="login_oidc", width="stretch")
    with where.form("login", clear_on_submit=True, border=False):
        name = st.text_input(t("login_name", lang), key="login_name", max_chars=64)
        password = st.text_input(t("login_password", lang), type="password", key="login_password", max_chars=256)
        if st.form_submit_button(t("login", lang), key="login_submit"):
            try:
                with writing(), Store() as store:  # a full disk or a read-only store: one sentence
                    state[TOKEN] = Accounts(store).sign_in(
                        name, password, _client(conf), session_s=conf.session_hours * 3600
                    )
                st.rerun()
            except (AuthError, StoreWriteError) as exc:
                st.error(md_escape(describe(exc, lang)))


def sidebar(lang: str, state, conf: AccessSettings, who: Identity | None) -> None:
    """Who is signed in, with a sign-out; or the sign-in form."""
    from layers.edits.auth import ROLE_WORDS

    sb = st.sidebar
    sb.divider()
    if who is None:
        with sb.expander(t("login_heading", lang), expanded=False):
            sign_in_form(lang, state, conf, where=st)
        return
    sb.caption(t("signed_in_as", lang, name=md_escape(who.name), role=ROLE_WORDS[who.role][lang]))

    def sign_out():
        if who.via == "oidc":
            st.logout()
        token = state.pop(TOKEN, None)
        try:
            with writing(), Store() as store:
                Accounts(store).sign_out(token)
        except StoreWriteError:  # signed out here all the same; the session expires on its own
            pass

    sb.button(t("logout", lang), on_click=sign_out, key="logout", width="stretch")
