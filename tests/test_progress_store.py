"""Plans and reports in the store, on both backends: saved as one audited batch, read as of
any date, conflicts instead of silent overwrites, undo per batch and per author, and a
history that keeps every value a report ever had."""

import datetime as dt
import json

import pytest

from layers.edits.store import ConflictError, Store, UndoError
from layers.progress import store as progress

D = dt.date


def plan(mid="A03-01", start="2020-03-01", end="2021-02-28", milestones=()):
    return ("plan", {"measure_id": mid, "unit": "市住建局", "start": start, "end": end, "milestones": list(milestones)})


def report(mid="A03-01", date="2020-06-30", status="under_way", pct=30.0, **kw):
    return ("report", {"measure_id": mid, "date": date, "status": status, "progress": pct, "reporter": "王工", **kw})


@pytest.fixture
def store(store_target):
    with Store(store_target) as s:
        yield s


def test_plans_and_reports_are_saved_as_one_batch_and_read_back(store):
    batch = store.save_progress([plan(), report(), report(date="2020-08-31", pct=55)], "王工")
    assert batch
    hist = store.history()
    assert set(hist.loc[hist["batch"] == batch, "what"]) == {"plan", "report"} and len(hist) == 3
    (p,) = progress.plans(store).values()
    assert (p.unit, p.start, p.end) == ("市住建局", D(2020, 3, 1), D(2021, 2, 28))
    assert [r.progress for r in progress.reports(store, "A03-01")] == [30.0, 55.0]
    assert store.save_progress([plan(), report()], "王工") is None  # the same again: nothing written


def test_the_lights_see_only_reports_up_to_the_as_of_date(store):
    store.save_progress([plan(), report(date="2020-06-30", pct=10), report(date="2020-09-30", pct=60)], "王工")
    ids = ["A03-01", "A03-02"]
    before = progress.lights_asof(store, ids, D(2020, 7, 1))
    after = progress.lights_asof(store, ids, D(2020, 10, 1))
    assert before.loc["A03-01", "progress"] == 10 and before.loc["A03-01", "report_date"] == "2020-06-30"
    assert before.loc["A03-01", "light"] == "yellow"  # 33.5 % of the time gone, 10 % done: 23.5 behind
    assert before.loc["A03-01", "lag"] == pytest.approx(23.5, abs=0.1)
    assert after.loc["A03-01", "progress"] == 60 and after.loc["A03-01", "light"] == "blue"
    assert before.loc["A03-02", "light"] == after.loc["A03-02", "light"] == "no_plan"
    assert progress.lights_asof(store, ids, D(2020, 6, 29)).loc["A03-01", "light"] == "stale"


def test_a_report_for_a_date_already_reported_is_a_conflict_not_a_silent_overwrite(store):
    from layers.edits.progress_db import report_key, versions

    store.save_progress([plan(), report(pct=30)], "王工")
    key = report_key("A03-01", "2020-06-30")
    loaded = versions(store._db, [key])
    store.save_progress([report(pct=35)], "李工")  # somebody else corrects it first
    with pytest.raises(ConflictError):
        store.save_progress([report(pct=40)], "王工", expected=loaded)
    assert progress.reports(store, "A03-01")[0].progress == 35
    # The history keeps each value the report had.
    hist = store.history()
    values = [json.loads(v)["progress"] for v in hist.loc[hist["measure_id"] == key, "new"]]
    assert values == [30, 35]


def test_undo_reverts_a_batch_and_only_the_authors_own_last_one(store):
    first = store.save_progress([plan(), report(pct=30)], "王工")
    store.save_progress([report(date="2020-09-30", pct=50)], "李工")
    # 李工's later batch touched another report (another date): 王工's own last batch can be undone.
    assert store.undo_last("王工") == first
    assert [r.date for r in progress.reports(store, "A03-01")] == [D(2020, 9, 30)]
    assert progress.plans(store) == {}
    with pytest.raises(UndoError):
        store.undo(first, "王工")  # already undone
    store.undo_last("李工")
    assert progress.reports(store, "A03-01") == []


def test_undo_refuses_when_a_later_change_touched_the_same_report(store):
    first = store.save_progress([report(pct=30)], "王工")
    store.save_progress([report(pct=35)], "李工")
    with pytest.raises(UndoError):
        store.undo(first, "王工")
    assert progress.reports(store, "A03-01")[0].progress == 35


def test_a_read_only_store_with_no_progress_tables_reads_as_no_progress(tmp_path):
    with Store(tmp_path / "none.sqlite", read_only=True) as s:
        assert progress.plans(s) == {}
        assert progress.lights_asof(s, ["A01-01"], D(2020, 6, 1)).loc["A01-01", "light"] == "no_plan"


def test_a_progress_save_reports_how_many_rows_it_added_and_updated(store):
    from layers.edits.changes import save_summary

    store.save_progress([plan(), report(pct=30)], "王工")
    batch = store.save_progress([report(pct=35), report(date="2020-09-30", pct=50)], "王工")
    assert save_summary(store.history(), batch) == {"n": 2, "new": 1, "updated": 1}
