"""Several app processes on one store: each sees the others' saves on its next rerun, on
both backends; and an unreachable database is one sentence, not a traceback."""

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP


def caption_text(at) -> str:
    return " ".join(c.value for c in at.caption)


def app_on(target, monkeypatch):
    monkeypatch.setenv("JINING_STORE", str(target))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_two_app_sessions_see_each_others_saves_on_the_next_rerun(store_target, monkeypatch, tmp_path):
    import subprocess
    import sys

    from test_store import ROOT

    first, second = app_on(store_target, monkeypatch), app_on(store_target, monkeypatch)
    before = caption_text(second)
    assert "95 条" in before
    # A save from another process (another replica, or the command line).
    csv = tmp_path / "new.csv"
    csv.write_text("项目名称,所属行动\n协同测试,3\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "layers", "import", str(csv), "--store", str(store_target)], cwd=ROOT, check=True
    )
    first.run()
    second.run()
    for at in (first, second):
        assert "96 条" in caption_text(at), caption_text(at)


def test_an_unreachable_database_is_one_sentence(monkeypatch):
    monkeypatch.setenv("JINING_STORE", "postgresql://nobody@/nothing?host=/nonexistent&port=1")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "无法连接数据库" in error.value and "JINING" in error.value and "Is the server" not in error.value
    assert "Traceback" not in error.value and not at.get("component_instance")


@pytest.mark.parametrize("url", ["postgresql://u:secret@localhost:1/db", "postgres://u:secret@h/db?x=1"])
def test_a_database_password_never_shows(url):
    from layers.edits.store import redact

    assert "secret" not in redact(url) and "***" in redact(url)
