"""Issue 18, sign-in and accounts: the attacks that got through, one test per class.

Each of these failed on the code before the fix.
"""

import os
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest
from records import record

from layers.edits.auth import Accounts, AuthError
from layers.edits.store import Store

ROOT = Path(__file__).resolve().parents[1]
PW = "correct horse battery"
LIMIT = 5  # failures one client may have on one account


class Clock:
    def __init__(self):
        self.t = 1_000_000.0

    def __call__(self):
        return self.t


def _accounts(store, clock=None, waits=None):
    """Accounts with the wait before a check recorded instead of slept (the code before
    issue 18 had no such wait, and no parameter for it)."""
    kw = {"clock": clock} if clock else {}
    return Accounts(store, sleep=(waits if waits is not None else []).append, **kw)


def _counting_verifier(monkeypatch):
    """Count the passwords actually checked against a hash."""
    import layers.edits.auth as auth

    real = auth._HASHER
    calls = []

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, *args):
            calls.append(1)
            return real.verify(*args)

    monkeypatch.setattr(auth, "_HASHER", Counting())
    return calls


def test_simultaneous_wrong_passwords_are_counted_before_they_are_checked(store_target, monkeypatch):
    """Race: 30 sessions at once against one account from one address; before, 23 were checked."""
    with Store(store_target) as s:
        Accounts(s).add("zhang", PW, "editor")
    calls = _counting_verifier(monkeypatch)
    start = threading.Barrier(30)
    answers = []

    def attempt(i):
        with Store(store_target) as s:
            accounts = _accounts(s)
            start.wait()
            try:
                accounts.sign_in("zhang", f"wrong guess {i:04d}", "198.51.100.7")
            except AuthError as exc:
                answers.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(answers) == 30
    assert len(calls) <= LIMIT, f"{len(calls)} wrong passwords were checked, the limit is {LIMIT}"
    assert sum("too many" in a for a in answers) >= 30 - LIMIT


class _Session:
    """What Streamlit 1.67's server keeps for a websocket session (uvicorn + Starlette): the
    protocol object holds the socket's peer; the ASGI client (st.context.ip_address) is what
    uvicorn's proxy middleware made of X-Forwarded-For."""

    def __init__(self, peer, forwarded, rewritten):
        protocol = types.SimpleNamespace(client=(peer, 50000))
        self._websocket = types.SimpleNamespace(_receive=types.MethodType(lambda self: None, protocol))
        self.client_context = types.SimpleNamespace(
            remote_ip=rewritten, headers=[("host", "x"), ("x-forwarded-for", forwarded)], cookies={}
        )


def _client_of(monkeypatch, secrets, peer, forwarded, rewritten):
    import streamlit.runtime as runtime
    import streamlit.runtime.context as context
    from streamlit.runtime.scriptrunner_utils import script_run_context

    from ui import access

    ctx = types.SimpleNamespace(session_id="s1")
    session = _Session(peer, forwarded, rewritten)
    monkeypatch.setattr(runtime, "get_instance", lambda: types.SimpleNamespace(get_client=lambda _id: session))
    monkeypatch.setattr(context, "get_script_run_ctx", lambda *a, **k: ctx)
    monkeypatch.setattr(script_run_context, "get_script_run_ctx", lambda *a, **k: ctx)
    return access._client(access.settings_from(secrets))


def test_a_forwarded_address_is_ignored_unless_a_trusted_proxy_sent_it(monkeypatch):
    """Forwarded address: uvicorn rewrote the client from X-Forwarded-For on loopback, so 25
    forged addresses were 25 clients; now the socket's peer counts."""
    got = {_client_of(monkeypatch, {}, "127.0.0.1", f"203.0.113.{i}", f"203.0.113.{i}") for i in range(25)}
    assert got == {"127.0.0.1"}
    # A direct connection from elsewhere names no address of its own, even with trust_proxy.
    trust = {"access": {"trust_proxy": True}}
    assert _client_of(monkeypatch, trust, "198.51.100.7", "203.0.113.9", "198.51.100.7") == "198.51.100.7"
    # Through the trusted proxy: what the proxy saw (the rightmost entry), not what the client wrote.
    forged = "1.2.3.4, 203.0.113.9"
    assert _client_of(monkeypatch, trust, "127.0.0.1", forged, "203.0.113.9") == "203.0.113.9"


def test_failures_from_other_addresses_never_lock_an_editor_out(store_target):
    """Lockout: five wrong passwords from forged addresses refused zhang's right one for 15
    minutes; now they only slow the account down, and a clean client gets in."""
    clock, waits = Clock(), []
    with Store(store_target) as s:
        accounts = _accounts(s, clock, waits)
        accounts.add("zhang", PW, "editor")
        for i in range(12):
            with pytest.raises(AuthError):
                accounts.sign_in("zhang", "guess guess guess", f"203.0.113.{i}")
        token = accounts.sign_in("zhang", PW, "10.1.1.1")
        assert accounts.resolve(token).name == "zhang"
        assert waits and max(waits) <= 10


def test_anonymous_visitors_see_no_account_names(isolated_store):
    """The history (table and CSV) named every editor to anyone; so did a corrected location."""
    from streamlit.testing.v1 import AppTest

    manual = "manual: set by zhang.gong on 2026-01-02T10:00+08:00 (map)"
    with Store() as s:
        Accounts(s).add("zhang.gong", PW, "editor")
        s.save(
            [record("IMP-PRIV", precision="manual", precision_m=10.0, geometry_source=manual, origin="manual")],
            "zhang.gong",
            "set_location",
        )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["tab"] = "导入与更正"
    at.run()
    assert not at.exception, at.exception
    (hist,) = (d.value for d in at.dataframe if "zhang" in d.value.to_csv() or "编辑人员" in d.value.to_csv())
    assert "zhang" not in hist.to_csv() and "编辑人员" in hist.to_csv()
    with Store() as s:
        csv = s.history_csv(hide_names="zh").decode("utf-8-sig")
        assert "zhang" not in csv and "编辑人员" in csv
        assert "zhang.gong" in s.history_csv().decode("utf-8-sig")  # signed in: the names are there
    at.session_state["tab"] = "登记表"
    at.run()
    assert not any("zhang" in d.value.to_csv() for d in at.dataframe)


def test_account_names_are_normalised_and_look_alikes_refused(store_target):
    """zhang, Zhang, ＺＨＡＮＧ and Cyrillic zhаng were four accounts."""
    with Store(store_target) as s:
        accounts = _accounts(s)
        accounts.add("zhang", PW, "editor")
        for name in ("Zhang", "ＺＨＡＮＧ", "zh\u0430ng", "\u0437hang"):
            with pytest.raises(AuthError):
                accounts.add(name, PW, "admin")
        assert list(accounts.list()["name"]) == ["zhang"]
        assert accounts.resolve(accounts.sign_in("ＺＨＡＮＧ", PW, "10.0.0.1")).name == "zhang"
        # A name stored before normalisation keeps working under its normalised form.
        s._db.execute(
            "INSERT INTO accounts (name, role, pw_hash, created_at, updated_at) SELECT 'Wang', role, pw_hash, "
            "created_at, updated_at FROM accounts WHERE name='zhang'"
        )
        assert accounts.resolve(accounts.sign_in("wang", PW, "10.0.0.1")).name == "Wang"


def test_the_last_admin_stays_even_when_two_remove_each_other(store_target):
    """Two admins removing each other at the same moment left no admin."""
    with Store(store_target) as s:
        accounts = _accounts(s)
        accounts.add("wang", PW, "admin")
        accounts.add("li", PW, "admin")
    start = threading.Barrier(2)

    def remove(name):
        with Store(store_target) as s:
            accounts = _accounts(s)
            start.wait()
            try:
                accounts.remove(name)
            except AuthError:
                pass

    threads = [threading.Thread(target=remove, args=(n,)) for n in ("wang", "li")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with Store(store_target) as s:
        accounts = _accounts(s)
        assert list(accounts.list()["role"]) == ["admin"]
        (last,) = accounts.list()["name"]
        with pytest.raises(AuthError, match="last admin"):
            accounts.set_role(last, "editor")
        with pytest.raises(AuthError, match="last admin"):
            accounts.remove(last)


def _users(store, *args, stdin="", env=None):
    return subprocess.run(
        [sys.executable, "-m", "layers", "users", *args, "--store", str(store)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def test_users_role_without_a_role_changes_nothing(tmp_path):
    """`users role NAME` without --role silently demoted to viewer."""
    store = tmp_path / "store.sqlite"
    assert _users(store, "add", "zhang", "--role", "admin", stdin=PW + "\n").returncode == 0
    assert _users(store, "add", "li", "--role", "admin", stdin=PW + "\n").returncode == 0
    out = _users(store, "role", "zhang")
    assert out.returncode == 2 and "--role" in out.stderr
    with Store(store) as s:
        assert dict(Accounts(s).list()[["name", "role"]].values)["zhang"] == "admin"


def test_a_password_typed_as_a_name_is_not_stored(store_target):
    """Failed sign-in names were kept in clear, passwords typed into the name field too."""
    secret = "Hunter2-is-my-password"
    with Store(store_target) as s:
        accounts = _accounts(s)
        accounts.add("zhang", PW, "editor")
        with pytest.raises(AuthError):
            accounts.sign_in(secret, "", "10.0.0.1")
        if s.backend == "postgresql":
            tables = [r[0] for r in s._db.execute("SELECT tablename FROM pg_tables WHERE schemaname=current_schema()")]
        else:
            tables = [r[0] for r in s._db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        dump = " ".join(str(s._db.execute(f"SELECT * FROM {t}").fetchall()) for t in tables)
        assert "auth_failures" not in tables or "account:" not in dump
        assert secret.lower() not in dump.lower()
        assert "10.0.0.1" not in dump


def test_scripts_give_the_password_without_the_shell_history(tmp_path):
    """The README's `printf pw | … users add` put the password in the shell's history."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "printf '%s\\n' 'a long password'" not in readme
    store = tmp_path / "store.sqlite"
    out = _users(store, "add", "zhang", "--role", "editor", "--password-env", "NEW_PW", env={"NEW_PW": PW})
    assert out.returncode == 0, out.stderr
    pwfile = tmp_path / "pw"
    pwfile.write_text("another long password\n")
    with open(pwfile) as fh:
        assert (
            subprocess.run(
                [sys.executable, "-m", "layers", "users", "passwd", "zhang", "--store", str(store)],
                stdin=fh,
                cwd=ROOT,
                capture_output=True,
            ).returncode
            == 0
        )
    with Store(store) as s:
        assert Accounts(s).sign_in("zhang", "another long password")
