"""Who may change the map, in the app: every path through sign-in and the edit tab."""

import pytest
from test_app import PASSWORD, add_account, open_tab, run, sign_in

from layers.edits.auth import MAX_FAILURES_PAIR, Identity
from layers.labels import t

EDIT = "导入与更正"


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


def can_change(at) -> bool:
    """Whether the edit tab offers any way to change the store."""
    keys = {w.key for w in [*at.button, *at.radio, *at.selectbox, *at.text_input]}
    return bool(keys & {"imp_crs", "fix_method", "fix_id", "undo"})


def test_anonymous_with_no_editor_sees_how_to_enable_editing():
    at = open_tab(run(), EDIT)
    assert t("edit_off", "zh") in infos(at)
    assert not can_change(at)
    assert any(b.key == "history_download" for b in at.get("download_button"))  # history stays readable
    assert "who" not in {w.key for w in at.text_input}  # no free-text name any more


def test_anonymous_with_an_editor_account_is_asked_to_sign_in():
    add_account("张工", "editor")
    at = open_tab(run(), EDIT)
    assert t("edit_sign_in", "zh") in infos(at) and not can_change(at)


def test_a_viewer_may_look_but_not_change():
    add_account("张工", "editor")
    add_account("viewer1", "viewer")
    at = open_tab(sign_in(run(), "viewer1"), EDIT)
    assert t("edit_viewer", "zh") in infos(at) and not can_change(at)
    assert any("viewer1" in c.value and "查看" in c.value for c in at.sidebar.caption)


def test_an_editor_may_change_and_is_named_in_the_history():
    add_account("张工", "editor")
    at = open_tab(sign_in(run(), "张工"), EDIT)
    assert can_change(at)
    assert any("张工" in c.value for c in at.caption)
    assert t("acc_heading", "zh") not in [s.value for s in at.subheader]  # not an admin


def test_an_admin_manages_accounts_in_the_app():
    from layers.edits.auth import Accounts
    from layers.edits.store import Store

    add_account("王主任", "admin")
    at = open_tab(sign_in(run(), "王主任"), EDIT)
    assert t("acc_heading", "zh") in [s.value for s in at.subheader]
    at.text_input(key="acc_name").set_value("新同事")
    at.selectbox(key="acc_new_role").set_value("editor")
    at.text_input(key="acc_pw").set_value(PASSWORD)
    at.text_input(key="acc_pw2").set_value(PASSWORD)
    at.button(key="acc_add_submit").click().run()
    assert not at.exception
    with Store() as s:
        assert dict(Accounts(s).list()[["name", "role"]].values) == {"王主任": "admin", "新同事": "editor"}
    at.selectbox(key="acc_remove_name").set_value("新同事")
    at.button(key="acc_remove_submit").click().run()
    with Store() as s:
        assert list(Accounts(s).list()["name"]) == ["王主任"]


def test_a_wrong_password_is_refused_in_a_sentence_and_locks_after_repeats():
    add_account("张工", "editor")
    at = run()
    for _ in range(MAX_FAILURES_PAIR):  # from one client (here: no server, one address)
        sign_in(at, "张工", "not the password")
        assert any("账户名或密码错误" in e.value for e in at.error)
    sign_in(at, "张工", PASSWORD)  # the right password, too late
    assert any("登录失败次数过多" in e.value for e in at.error)
    assert not can_change(open_tab(at, EDIT))


@pytest.mark.parametrize(
    "forged",
    [
        {"auth_token": "made-up"},
        {"identity": Identity("黑客", "admin", "local"), "role": "admin", "who": "王主任"},
        {"auth_token": {"name": "王主任", "role": "admin"}},
    ],
)
def test_a_forged_session_state_grants_nothing(forged):
    add_account("王主任", "admin")
    at = AppTest_with_state(forged)
    at = open_tab(at, EDIT)
    assert not can_change(at)
    assert t("edit_sign_in", "zh") in infos(at)


def AppTest_with_state(state: dict):
    from streamlit.testing.v1 import AppTest
    from test_app import APP

    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_sign_out_ends_the_session():
    add_account("张工", "editor")
    at = sign_in(run(), "张工")
    token = at.session_state["auth_token"]
    at.button(key="logout").click().run()
    assert not can_change(open_tab(at, EDIT))
    # The token itself no longer works, whoever holds it.
    assert not can_change(open_tab(AppTest_with_state({"auth_token": token}), EDIT))


def test_require_login_hides_the_map_until_signed_in():
    from streamlit.testing.v1 import AppTest
    from test_app import APP

    add_account("viewer1", "viewer")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["access"] = {"require_login": True}
    at.run()
    assert not at.exception
    assert t("login_required", "zh") in infos(at)
    assert not at.get("component_instance") and not at.tabs  # no map, no tabs
    sign_in(at, "viewer1")
    assert at.get("component_instance") and len(at.tabs) == 5


def oidc_app(user: dict, access: dict):
    """The app as a user signed in through the organisation's identity provider sees it."""
    from streamlit.testing.v1 import AppTest
    from test_app import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"client_id": "test", "server_metadata_url": "https://idp.invalid/.well-known"}
    at.secrets["access"] = access
    at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(
    "user, access, can",
    [
        ({"is_logged_in": True, "email": "Zhang@Example.cn"}, {"editors": ["zhang@example.cn"]}, True),
        ({"is_logged_in": True, "email": "li@example.cn"}, {"editors": ["zhang@example.cn"]}, False),
        (
            {"is_logged_in": True, "email": "wang@example.cn", "jining_role": "editor"},
            {"role_claim": "jining_role"},
            True,
        ),
        ({"is_logged_in": True, "email": "x@example.cn", "jining_role": "root"}, {"role_claim": "jining_role"}, False),
        ({"is_logged_in": False, "email": "zhang@example.cn"}, {"editors": ["zhang@example.cn"]}, False),
    ],
)
def test_organisation_sign_in_maps_roles_from_addresses_or_a_claim(user, access, can):
    at = open_tab(oidc_app(user, access), EDIT)
    assert can_change(at) is can
    if can:
        local = user["email"].lower().split("@")[0]  # (shown with the address defused as a link)
        assert any(f"以 {local}@" in c.value for c in at.caption)  # the audit name is the address
    else:
        assert t("edit_viewer" if user["is_logged_in"] else "edit_sign_in", "zh") in infos(at)
