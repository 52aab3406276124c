"""Accounts, sign-in, lockout and sessions (layers/auth.py), and the `users` command."""

import subprocess
import sys
from pathlib import Path

import pytest

from layers.edits.auth import (
    MAX_FAILURES_CLIENT,
    MAX_FAILURES_PAIR,
    SESSION_S,
    WINDOW_S,
    Accounts,
    AuthError,
    os_identity,
)
from layers.edits.store import Store

ROOT = Path(__file__).resolve().parents[1]
PW = "correct horse battery"


class Clock:
    def __init__(self):
        self.t = 1_000_000.0

    def __call__(self):
        return self.t


@pytest.fixture
def accounts(store_target):
    """Accounts on each backend (SQLite, PostgreSQL): they live in the store. The wait before
    a check on a much-attacked account is recorded in ``waits`` instead of slept."""
    clock = Clock()
    waits = []
    with Store(store_target) as store:
        a = Accounts(store, clock=clock, sleep=waits.append)
        a.clock, a.waits = clock, waits
        yield a


def test_passwords_are_never_stored_in_plain_text(accounts):
    accounts.add("张工", PW, "editor")
    raw = accounts._db.execute("SELECT pw_hash FROM accounts").fetchone()[0]
    assert PW not in raw and raw.startswith("$argon2id$")
    assert "pw_hash" not in accounts.list().columns


def test_sign_in_gives_a_session_that_resolves_to_the_account_as_it_is_now(accounts):
    accounts.add("张工", PW, "editor")
    token = accounts.sign_in("张工", PW, "10.0.0.1")
    me = accounts.resolve(token)
    assert (me.name, me.role, me.via, me.can_edit, me.is_admin) == ("张工", "editor", "local", True, False)
    accounts.set_role("张工", "viewer")
    assert accounts.resolve(token).can_edit is False  # a changed role takes effect at once
    accounts.remove("张工")
    assert accounts.resolve(token) is None  # and a removed account signs out


def test_wrong_password_and_unknown_name_get_the_same_answer(accounts):
    accounts.add("张工", PW, "editor")
    with pytest.raises(AuthError, match="wrong name or password") as wrong:
        accounts.sign_in("张工", "not the password", "10.0.0.1")
    with pytest.raises(AuthError, match="wrong name or password") as unknown:
        accounts.sign_in("李工", PW, "10.0.0.1")
    assert str(wrong.value) == str(unknown.value)
    assert wrong.value.args[0].zh == "账户名或密码错误"


def test_a_client_is_locked_out_of_an_account_after_failures_even_for_the_right_password(accounts):
    accounts.add("张工", PW, "editor")
    for _ in range(MAX_FAILURES_PAIR):
        with pytest.raises(AuthError, match="wrong"):
            accounts.sign_in("张工", "guess" * 3, "10.0.0.7")
    with pytest.raises(AuthError, match="too many failed sign-ins"):
        accounts.sign_in("张工", PW, "10.0.0.7")
    assert accounts.resolve(accounts.sign_in("张工", PW, "10.0.0.8")).name == "张工"  # another client gets in
    accounts.clock.t += WINDOW_S + 1  # the window passes
    assert accounts.resolve(accounts.sign_in("张工", PW, "10.0.0.7")).name == "张工"


def test_failures_from_many_clients_slow_an_account_down_and_never_lock_it(accounts):
    accounts.add("张工", PW, "editor")
    for i in range(8):
        with pytest.raises(AuthError, match="wrong"):
            accounts.sign_in("张工", "guess" * 3, f"10.0.0.{i}")  # from different clients
    assert accounts.waits == [1.0, 2.0, 4.0]  # before the 6th, 7th and 8th checks
    assert accounts.resolve(accounts.sign_in("张工", PW, "10.0.0.99")).name == "张工"
    assert accounts.waits[-1] == 8.0


def test_a_client_is_locked_after_failures_across_accounts(accounts):
    accounts.add("张工", PW, "editor")
    for i in range(MAX_FAILURES_CLIENT):
        with pytest.raises(AuthError, match="wrong"):
            accounts.sign_in(f"user{i}", PW, "10.9.9.9")  # one client trying many names
    with pytest.raises(AuthError, match="too many"):
        accounts.sign_in("张工", PW, "10.9.9.9")
    assert accounts.sign_in("张工", PW, "10.0.0.1")  # another client is not affected


def test_a_new_password_ends_sessions_and_forgives_failures(accounts):
    accounts.add("张工", PW, "editor")
    token = accounts.sign_in("张工", PW)
    for _ in range(MAX_FAILURES_PAIR):
        with pytest.raises(AuthError):
            accounts.sign_in("张工", "wrong wrong wrong")
    accounts.set_password("张工", "another long password")
    assert accounts.resolve(token) is None
    assert accounts.sign_in("张工", "another long password")  # the same client, forgiven


def test_sessions_expire(accounts):
    accounts.add("张工", PW, "editor")
    token = accounts.sign_in("张工", PW)
    accounts.clock.t += SESSION_S - 1
    assert accounts.resolve(token) is not None
    accounts.clock.t += 2
    assert accounts.resolve(token) is None


@pytest.mark.parametrize("token", [None, "", 42, "made-up-token", {"name": "张工", "role": "admin"}])
def test_a_forged_token_is_nobody(accounts, token):
    accounts.add("张工", PW, "admin")
    accounts.sign_in("张工", PW)
    assert accounts.resolve(token) is None


def test_accounts_refuse_bad_names_roles_and_short_passwords(accounts):
    with pytest.raises(AuthError, match="not a valid account name"):
        accounts.add("a b", PW, "editor")
    with pytest.raises(AuthError, match="not a role"):
        accounts.add("zhang", PW, "root")
    with pytest.raises(AuthError, match="password needs"):
        accounts.add("zhang", "short", "editor")
    accounts.add("zhang", PW, "editor")
    with pytest.raises(AuthError, match="already an account"):
        accounts.add("zhang", PW, "viewer")


def test_has_editor_knows_whether_editing_can_be_enabled(accounts):
    assert not accounts.has_editor()
    accounts.add("viewer1", PW, "viewer")
    assert not accounts.has_editor()
    accounts.add("admin1", PW, "admin")
    assert accounts.has_editor()


def test_the_command_line_manages_accounts_with_the_password_on_standard_input(tmp_path):
    store = tmp_path / "store.sqlite"

    def users(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "layers", "users", *args, "--store", str(store)],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    out = users("add", "张工", "--role", "editor", stdin=PW + "\n")
    assert out.returncode == 0 and "added 张工 (editor)" in out.stdout
    assert PW not in out.stdout + out.stderr
    listed = users("list")
    assert "张工  editor" in listed.stdout
    bad = users("add", "李工", "--role", "editor", stdin="short\n")
    assert bad.returncode == 2 and "password needs" in bad.stderr and "Traceback" not in bad.stderr
    assert users("passwd", "张工", stdin="another long password\n").returncode == 0
    with Store(store) as s:
        assert Accounts(s).sign_in("张工", "another long password")
    assert users("remove", "张工").returncode == 0
    assert "no accounts" in users("list").stdout


def test_the_command_line_records_the_operating_system_user(tmp_path):
    import getpass

    assert os_identity().name == f"os:{getpass.getuser()}"
    csv = tmp_path / "a.csv"
    csv.write_text("项目名称,所属行动\n新项目,3\n", encoding="utf-8")
    store = tmp_path / "store.sqlite"
    subprocess.run([sys.executable, "-m", "layers", "import", str(csv), "--store", str(store)], cwd=ROOT, check=True)
    with Store(store) as s:
        assert set(s.history()["who"]) == {f"os:{getpass.getuser()}"}
