"""Hostile conditions around the store (issue 18, items 7 and 8): a read-only folder, a full
disk, a database that goes away, legacy ids. Every tab still loads, exports and dry runs
still work, a failed save is one sentence and nothing saved before is lost.

Read-only and full disks are real where the machine allows it: as root (where chmod does not
stop writes) a read-only bind mount and a small tmpfs; otherwise chmod 555/444 for the
read-only folder, and the full-disk page test is skipped (the store-level full-disk test
uses ``PRAGMA max_page_count``, SQLite's own "database or disk is full", and always runs).
"""

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from records import record as rec
from streamlit.testing.v1 import AppTest

from layers import load_projects
from layers.edits.changes import apply_store
from layers.edits.store import Store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TABS = ("地图", "统计", "登记表", "导出", "导入与更正")
PASSWORD = "correct-horse-1"


def _run(*args) -> bool:
    return subprocess.run(list(map(str, args)), capture_output=True).returncode == 0


def _populate(folder: Path) -> str:
    """A store in ``folder`` with one saved measure by the editor zhang; zhang's session token."""
    from layers.edits.auth import Accounts

    with Store(folder / "store.sqlite") as s:
        accounts = Accounts(s)
        accounts.add("zhang", PASSWORD, "editor")
        token = accounts.sign_in("zhang", PASSWORD, "10.0.0.1")
        s.save([rec("IMP-RO1", title_zh="只读测试", title_en="read-only test", summary_zh="只读测试")], "zhang")
    return token


@contextlib.contextmanager
def read_only_view(folder: Path):
    """``folder`` read-only. Root ignores permissions: a read-only bind mount then (the kernel
    refuses every write with EROFS); otherwise chmod 555 on the folder, 444 on its files."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    view = folder.with_name(folder.name + "-ro")
    view.mkdir()
    if not _run("mount", "--bind", folder, view):
        pytest.skip("root without mount: cannot make a read-only folder here")
    try:
        assert _run("mount", "-o", "remount,ro,bind", view)
        yield view
    finally:
        _run("umount", "-l", view)


@contextlib.contextmanager
def small_disk(folder: Path):
    """A 4 MB tmpfs at ``folder`` (root only)."""
    folder.mkdir()
    if os.geteuid() != 0 or not _run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", folder):
        pytest.skip("a full disk needs a small tmpfs (root); test_a_full_disk_save_... covers saves")
    try:
        yield folder
    finally:
        _run("umount", "-l", folder)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 65536)
                f.flush()
    assert os.statvfs(folder).f_bavail == 0


def _app(store, tab=None, token=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if tab:
        at.session_state["tab"] = tab
    if token:
        at.session_state["auth_token"] = token
    at.run()
    assert not at.exception, (tab, at.exception)
    return at


def _every_tab_loads_and_a_save_is_one_sentence(store: Path, token: str) -> None:
    """Every tab (as the signed-in editor) loads with the stored measure; undo, sign-in and the
    CLI's export and dry run behave: one sentence for what must write, the rest works."""
    for tab in TABS:
        at = _app(store, tab, token)
        assert "96 条" in " ".join(c.value for c in at.caption), tab  # 95 in the register + the stored one
        assert not at.error, (tab, [e.value for e in at.error])
    at.button(key="undo").click().run()  # zhang's save: undoing it must write
    assert not at.exception, at.exception
    (error,) = at.error
    assert "未保存" in error.value and "Traceback" not in error.value and "sqlite" not in error.value.lower()
    at = _app(store)  # signing in writes a session
    at.text_input(key="login_name").input("zhang")
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] and all("未保存" in e.value for e in at.error)
    csv = store.parent.parent / "out.csv"
    cli = [sys.executable, "-m", "layers"]
    res = subprocess.run(
        [*cli, "export", "--format", "csv", "--out", csv, "--store", store], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert "只读测试" in csv.read_text(encoding="utf-8-sig")
    new = store.parent.parent / "new.csv"
    new.write_text("项目名称,所属行动\n试运行,3\n", encoding="utf-8")
    res = subprocess.run([*cli, "import", new, "--dry-run", "--store", store], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0 and "dry run" in res.stdout, res.stderr
    res = subprocess.run([*cli, "import", new, "--store", store], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr  # one sentence
    assert "Traceback" not in res.stderr


# --- item 7: read-only folder and file ----------------------------------------------------------
def test_a_read_only_store_shows_every_tab_and_exports_and_refuses_saves_in_one_sentence(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    token = _populate(folder)
    with read_only_view(folder) as view:
        store = view / "store.sqlite"
        monkeypatch.setenv("JINING_STORE", str(store))
        _every_tab_loads_and_a_save_is_one_sentence(store, token)
    with Store(folder / "store.sqlite", read_only=True) as s:
        assert set(s.records()) == {"IMP-RO1"} and s.integrity_ok()
    # A missing store: viewing never creates one (nor its folder), in a read-only folder or not.
    missing = tmp_path / "none" / "store.sqlite"
    monkeypatch.setenv("JINING_STORE", str(missing))
    at = _app(missing, "导入与更正")
    assert "95 条" in " ".join(c.value for c in at.caption) and not missing.parent.exists()


# --- item 7: full disk ----------------------------------------------------------------------------
def test_a_full_disk_save_is_one_sentence_and_keeps_the_store(store_target):
    """SQLite's "database or disk is full" (``max_page_count``) is one sentence in both languages."""
    from layers._errors import describe
    from layers.edits.store import StoreWriteError

    with Store(store_target) as s:
        s.save([rec("IMP-KEEP")], "a")
        before = s.records()
        if s.backend == "sqlite":
            pages = s._db.execute("PRAGMA page_count").fetchone()[0]
            s._db.execute(f"PRAGMA max_page_count={pages}")  # the disk is full from now on
        else:  # PostgreSQL: a server that refuses writes (a full disk there is the same path)
            s._db.execute("SET default_transaction_read_only = on")
        with pytest.raises(StoreWriteError) as exc:
            s.save([rec(f"IMP-{i}", summary_zh="长" * 1900) for i in range(200)], "a")
        assert "\n" not in describe(exc.value, "en") and "未保存" in describe(exc.value, "zh")
        assert s.records() == before
    with Store(store_target) as s:
        assert s.records() == before and s.integrity_ok()


def test_a_full_disk_shows_every_tab_and_exports(tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk") as disk:
        token = _populate(disk)
        _fill(disk)
        store = disk / "store.sqlite"
        monkeypatch.setenv("JINING_STORE", str(store))
        _every_tab_loads_and_a_save_is_one_sentence(store, token)
        with Store(store, read_only=True) as s:
            assert set(s.records()) == {"IMP-RO1"} and s.integrity_ok()


# --- item 8: legacy lower-case ids --------------------------------------------------------------
def test_a_legacy_lower_case_id_is_the_record_an_import_updates(store_target):
    import pandas as pd

    from layers.edits.importer import review_import
    from layers.edits.validate import split_valid

    with Store(store_target) as s:  # written before ids were normalised (straight into the table)
        s._db.execute(
            "INSERT INTO measures (id, record, version, updated_at, updated_by) VALUES (?,?,?,?,?)",
            ("imp-leg1", json.dumps(rec("imp-leg1", title_zh="旧名")), 3, "2020-01-01T00:00:00+08:00", "x"),
        )
        stored = s.records()
    df = pd.DataFrame([["IMP-LEG1", "新名", "3", ""]], columns=["编号", "项目名称", "所属行动", "地点"])
    report = review_import(df, existing=stored)
    records = report.to_save("replace")
    with Store(store_target) as s:
        batch = s.save(records, "王工", "import", expected=report.expected_versions())
        assert batch and set(s.records()) == {"IMP-LEG1"}  # moved to the normalised id
        merged, _ = apply_store(load_projects(), s.records())
        assert merged.set_index("id").loc["IMP-LEG1", "title_zh"] == "新名"
        audit = s.history()
        assert set(audit["measure_id"]) == {"IMP-LEG1", "imp-leg1"}  # the move is audited
        s.undo(batch, "王工")  # and undone exactly
        assert set(s.records()) == {"imp-leg1"} and s.records()["imp-leg1"]["title_zh"] == "旧名"
    # Two stored rows for one id (a save by older code): the newer one is on the map.
    old = {**rec("imp-leg2", title_zh="旧"), "_updated_at": "2020-01-01T00:00:00+08:00", "_version": 5}
    new = {**rec("IMP-LEG2", title_zh="新"), "_updated_at": "2026-01-01T00:00:00+08:00", "_version": 1}
    good, bad = split_valid({"IMP-LEG2": new, "imp-leg2": old})
    assert not bad and good["IMP-LEG2"]["title_zh"] == "新"


# --- item 8: a database outage -------------------------------------------------------------------
OUTAGE = "postgresql://jining_admin:s3cretpw@/jining?host=/nonexistent-socket-dir&port=1"


def test_a_database_outage_shows_a_neutral_sentence_and_no_secret(monkeypatch, tmp_path):
    secrets = ("jining_admin", "nonexistent-socket-dir", "s3cretpw", "socket", ".s.PGSQL")
    monkeypatch.setenv("JINING_STORE", OUTAGE)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    (error,) = at.error  # every visitor sees this (Markdown escapes removed before looking)
    assert not any(s in error.value.replace("\\", "") for s in secrets), error.value
    # The operator at the command line sees where (the URL without its password), never the password.
    res = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--format", "csv", "--out", tmp_path / "x.csv", "--store", OUTAGE],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "s3cretpw" not in res.stderr and "jining_admin:***" in res.stderr
    from layers.edits.store import StoreUnavailable, StoreWriteError, redact

    assert "s3cretpw" not in redact("postgresql://u@/db?host=/tmp&password=s3cretpw")
    with pytest.raises(StoreUnavailable) as exc:  # a page's reading connection
        Store(OUTAGE, timeout_s=2, read_only=True)
    with pytest.raises(StoreWriteError) as write:  # a save's
        Store(OUTAGE, timeout_s=2)
    for shown in (str(exc.value), exc.value.args[0].zh, str(write.value), write.value.args[0].zh):
        assert not any(s in shown for s in secrets), shown


# --- item 8: PostgreSQL stops during a CLI import ----------------------------------------------
@pytest.fixture
def pg_store():
    from conftest import pg_base, pg_schema

    base = pg_base()
    with pg_schema(base) as url:
        yield base, url


def test_a_postgresql_stop_during_a_cli_import_is_one_sentence_and_all_or_nothing(
    pg_store, tmp_path, monkeypatch, capsys
):
    import psycopg

    import layers.edits.store as store_module
    from layers.__main__ import main

    base, url = pg_store
    with Store(url) as s:
        s.save([rec("IMP-KEEP")], "a")
        before = s.records()
    real = store_module._set_geometry
    calls = []

    def server_stops(db, mid, record_json):
        """The second record of the batch: the server ends this connection (as a restart does)."""
        calls.append(mid)
        if len(calls) == 2:
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (db._conn.info.backend_pid,))
        return real(db, mid, record_json)

    monkeypatch.setattr(store_module, "_set_geometry", server_stops)
    csv = tmp_path / "three.csv"
    csv.write_text("项目名称,所属行动\n停机一,3\n停机二,3\n停机三,3\n", encoding="utf-8")
    rc = main(["import", str(csv), "--store", url])
    err = capsys.readouterr().err
    assert rc != 0 and len(calls) == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:") and "Traceback" not in err
    with Store(url) as s:
        assert s.records() == before  # all or nothing


# --- item 8: the README's commands ------------------------------------------------------------
def test_every_cli_option_in_the_readme_exists():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    used = re.findall(r"python -m layers (\w+)([^\n`|]*)", text)
    assert used
    for command, rest in used:
        options = set(re.findall(r"(?<!\S)(--[a-z][a-z-]*)", rest))
        if not options:
            continue
        helptext = subprocess.run(
            [sys.executable, "-m", "layers", command, "--help"], cwd=ROOT, capture_output=True, text=True
        ).stdout
        assert all(o in helptext for o in options), (command, options - set(re.findall(r"--[a-z-]+", helptext)))
