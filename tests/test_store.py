import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from layers import load_projects
from layers.edits.changes import changes_key, merge_changes, record_from_row, with_location
from layers.edits.store import ConflictError, Store

ROOT = Path(__file__).resolve().parents[1]


def rec(mid, title="测试", **kw):
    return {
        "id": mid,
        "action": 3,
        "title_zh": title,
        "title_en": title,
        "summary_zh": title,
        "kind": "programme",
        "form": "city",
        "place": "",
        "target": None,
        "target_unit": "",
        "year": 2020,
        "section": "都市区融合攻坚行动",
        "precision": "city",
        "precision_m": None,
        "approximate": False,
        "county_adcodes": "",
        "county_sizes": "",
        "geometry_source": "",
        "geometry": None,
        "origin": "import",
        **kw,
    }


@pytest.fixture
def store(store_target):
    """A store on each backend: SQLite, and PostgreSQL (see conftest.store_target)."""
    with Store(store_target) as s:
        yield s


def test_save_read_version_and_history(store):
    batch = store.save([rec("IMP-1"), rec("IMP-2")], "张三")
    assert batch and set(store.records()) == {"IMP-1", "IMP-2"}
    assert store.version("IMP-1") == 1
    store.save([rec("IMP-1", "改名")], "李四", "import")
    assert store.version("IMP-1") == 2 and store.records()["IMP-1"]["_updated_by"] == "李四"
    h = store.history()
    assert list(h["who"]) == ["张三", "张三", "李四"]
    assert h.iloc[2]["old"] is not None and "改名" in h.iloc[2]["new"]


def test_saving_the_same_again_writes_nothing(store):
    store.save([rec("IMP-1")], "a")
    assert store.save([rec("IMP-1")], "a") is None
    assert len(store.history()) == 1


def test_undo_last_restores_and_is_audited(store):
    store.save([rec("IMP-1")], "a")
    store.save([rec("IMP-1", "新"), rec("IMP-2")], "a")
    store.undo_last("a")
    recs = store.records()
    assert set(recs) == {"IMP-1"} and recs["IMP-1"]["title_zh"] == "测试"
    store.undo_last("a")
    assert store.records() == {}
    assert store.undo_last("a") is None
    assert list(store.history()["what"]).count("undo") == 3


def test_undo_is_per_author_and_never_drops_a_later_change(store):
    """Regression: B's undo used to revert A's change."""
    from layers.edits.store import UndoError

    a1 = store.save([rec("IMP-1")], "A")
    store.save([rec("IMP-2")], "B")
    assert store.undo_last("C") is None  # C changed nothing
    assert store.undo_last("B") is not None and set(store.records()) == {"IMP-1"}  # only B's own
    store.save([rec("IMP-1", "B改")], "B")
    with pytest.raises(UndoError, match="later change"):
        store.undo(a1, "A")  # B's later change of IMP-1 would be lost
    assert store.records()["IMP-1"]["title_zh"] == "B改"
    with pytest.raises(UndoError, match="no change"):
        store.undo("nope", "A")
    b = store.batches()
    assert list(b.columns) == ["batch", "at", "who", "what", "records", "undone_by"] and len(b) == 4


def test_changes_key_follows_every_save_and_undo(store):
    keys = [changes_key(store.records())]
    store.save([rec("IMP-1")], "a")
    keys.append(changes_key(store.records()))
    store.save([rec("IMP-1", "新")], "a")
    keys.append(changes_key(store.records()))
    store.undo_last("a")
    keys.append(changes_key(store.records()))
    assert len(set(keys)) == 4  # the undo restored the title, but version and time moved on
    assert changes_key(store.records()) == keys[-1]  # reading again changes nothing


def test_conflict_when_somebody_saved_in_between(store):
    store.save([rec("A03-09")], "a")
    loaded = store.version("A03-09")
    store.save([rec("A03-09", "别人改的")], "b")
    with pytest.raises(ConflictError, match="changed by b"):
        store.save([rec("A03-09", "我的")], "a", expected={"A03-09": loaded})
    assert store.records()["A03-09"]["title_zh"] == "别人改的"  # nothing of the failed save landed


def test_export_history_for_excel(store, tmp_path):
    store.save([rec("IMP-1")], "张三")
    path = store.export_history(tmp_path / "h.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(path, encoding="utf-8-sig")["who"].tolist() == ["张三"]


def test_merge_keeps_register_and_marks_changes(store):
    projects = load_projects()
    row = projects[projects["id"] == "A10-09"].iloc[0]
    import shapely

    moved = with_location(record_from_row(row), shapely.Point(116.72, 35.57), "王五", "map click", 20)
    store.save([moved, rec("IMP-9", "新项目")], "王五", "set_location")
    merged = merge_changes(projects, store.records())
    assert len(merged) == len(projects) + 1
    hit = merged[merged["id"] == "A10-09"].iloc[0]
    assert hit["changed"] and hit["precision"] == "manual" and hit["changed_by"] == "王五"
    assert "王五" in hit["geometry_source"] and hit.geometry.x == pytest.approx(116.72)
    untouched = merged[~merged["changed"]]
    assert list(untouched["id"]) == [i for i in projects["id"] if i != "A10-09"]
    register = (ROOT / "geodata" / "register.csv").read_text(encoding="utf-8")
    assert "王五" not in register  # the curated register is never written


WRITER = textwrap.dedent("""
    import sys
    from layers.edits.store import Store
    s = Store(sys.argv[1])
    n = 0
    while True:
        n += 1
        s.save([{"id": f"K-{n}-{i}", "action": 3, "title_zh": "x" * 200, "summary_zh": "x" * 2000, "form": "city", "year": 2020,
                 "geometry": None}
                for i in range(200)], "killer")
        print(n, flush=True)
""")


def test_a_write_killed_midway_leaves_the_store_intact(store_target):
    path = store_target
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # let a few batches commit, then kill during the next one
            proc.stdout.readline()
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.stdout.close()
    with Store(path) as s:
        assert s.integrity_ok()
        recs = s.records()
        assert len(recs) >= 600 and len(recs) % 200 == 0  # only whole batches
        h = s.history()
        assert len(h) == len(recs) and h.groupby("batch").size().eq(200).all()


def test_concurrent_saves_both_succeed(store_target):
    path = store_target
    Store(path).close()
    errors = []

    def worker(name):
        try:
            with Store(path) as s:
                for i in range(30):
                    s.save([rec(f"{name}-{i}")], name)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("甲", "乙", "丙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(path) as s:
        assert len(s.records()) == 90 and s.integrity_ok()


def test_concurrent_processes_on_the_same_measure_get_a_conflict_not_a_silent_overwrite(store_target):
    path = store_target
    with Store(path) as s:
        s.save([rec("A03-09")], "a")
    # A barrier on pipes, not on time: each process reads its version, says "loaded" and
    # waits; only when both have loaded version 1 does either get "go" and save.
    script = textwrap.dedent("""
        import sys
        from layers.edits.store import Store, ConflictError
        s = Store(sys.argv[1])
        v = s.version("A03-09")
        print("loaded", v, flush=True)
        assert sys.stdin.readline() == "go\\n"
        try:
            s.save([{"id": "A03-09", "title_zh": sys.argv[2], "action": 3, "form": "city", "year": 2020,
                     "geometry": None}],
                   sys.argv[2], expected={"A03-09": v})
            print("saved", flush=True)
        except ConflictError as exc:
            print("conflict", exc, flush=True)
    """)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), who],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for who in ("甲", "乙")
    ]
    try:
        # readline blocks until the child has loaded (or died: then "" and the assert fails).
        assert [p.stdout.readline() for p in procs] == ["loaded 1\n", "loaded 1\n"]
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert sorted(o.split()[0] for o in outs) == ["conflict", "saved"]
    with Store(path) as s:
        assert s.version("A03-09") == 2 and s.integrity_ok()


def test_uploaded_geojson_and_kml_replace_a_line(tmp_path):
    import geopandas as gpd
    import shapely

    from layers.edits.geofile import read_geometry_file

    line = shapely.LineString([(116.5, 35.4), (116.6, 35.45), (116.7, 35.5)])
    gdf = gpd.GeoDataFrame({"name": ["新线"]}, geometry=[line], crs=4326)
    for driver, ext in (("GeoJSON", "geojson"), ("KML", "kml")):
        path = tmp_path / f"l.{ext}"
        gdf.to_file(path, driver=driver)
        geom = read_geometry_file(path.read_bytes(), path.name)
        assert geom.equals_exact(line, 1e-7)
    projects = load_projects()
    row = projects[projects["id"] == "A03-09"].iloc[0]
    new = with_location(record_from_row(row), line, "王工", "upload", 5)
    assert new["form"] == "line" and new["county_adcodes"] and "王工" in new["geometry_source"]
    with pytest.raises(ValueError, match="not supported"):
        read_geometry_file(b"x", "a.shp")
    with pytest.raises(ValueError, match="cannot read"):
        read_geometry_file(b"{not json", "a.geojson")


def test_an_online_backup_is_a_whole_consistent_copy(tmp_path):
    src = tmp_path / "live.sqlite"
    with Store(src) as s:
        s.save([rec(f"IMP-{i}") for i in range(50)], "张工")
        out = s.backup(tmp_path / "copy.sqlite")  # while the store is open
    with Store(out) as copy:
        assert copy.integrity_ok() and len(copy.records()) == 50 and len(copy.history()) == 50
    res = subprocess.run(
        [sys.executable, "-m", "layers", "backup", str(tmp_path / "b2.sqlite"), "--store", str(src)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0 and "50 stored records, integrity ok" in res.stdout


def test_replicas_starting_together_on_a_new_store_all_start(store_target):
    """Two replicas on a new PostgreSQL database once failed: CREATE TABLE IF NOT EXISTS
    run at the same moment by two processes raises a duplicate-type error there."""
    script = textwrap.dedent("""
        import sys, time
        start = float(sys.argv[2])
        from layers.edits.auth import Accounts
        from layers.edits.store import Store
        time.sleep(max(0, start - time.time()))  # all at the same moment
        with Store(sys.argv[1]) as s:
            Accounts(s)
            print("started")
    """)
    start = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(store_target), start],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [o.strip() for o, _ in outs] == ["started"] * 4, [e[-300:] for _, e in outs]


def test_the_history_csv_is_readable_columns_not_json(store):
    import io

    projects = load_projects()
    row = projects[projects["id"] == "A10-09"].iloc[0]
    import shapely

    moved = with_location(record_from_row(row), shapely.Point(116.72, 35.57), "王五", "map click", 20)
    store.save([moved], "王五", "set_location")
    hist = pd.read_csv(io.BytesIO(store.history_csv()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(hist.columns) == [
        "seq", "batch", "at", "who", "what", "measure_id", "title", "fields", "before", "after", "undone_by"
    ]  # fmt: skip
    (r,) = hist.to_dict("records")
    assert r["measure_id"] == "A10-09" and r["title"] == row["title_zh"] and r["who"] == "王五"
    assert "geometry" in r["fields"].split(", ") and "Point 116.72000, 35.57000" in r["after"]
    assert "{" not in r["before"] + r["after"]  # no JSON
    assert len(r["at"]) == 16 and "T" not in r["at"]  # 2026-12-05 14:03, local time


def test_a_save_reports_how_many_measures_it_added_and_updated(store):
    """The summary after a save ("已保存 N 条(新增 a,更新 b)") counts from the history."""
    from layers.edits.changes import save_summary

    known = {"IMP-OLD", "IMP-OTHER"}  # on the map before the save
    store.save([rec("IMP-OLD")], "zhang")
    first = store.save([rec("IMP-OLD", "改名"), rec("IMP-NEW"), rec("IMP-NEW2")], "zhang")
    again = store.save([rec("IMP-NEW")], "zhang")  # identical: nothing written
    hist = store.history()
    assert save_summary(hist, first, known) == {"n": 3, "new": 2, "updated": 1}
    assert again is None and save_summary(hist, again, known) == {"n": 0, "new": 0, "updated": 0}
