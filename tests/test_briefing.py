"""The briefing the exports read (``layers.progress.briefing``) and the 作战图 rows made from
it (``layers.exports.battle``), on both store backends: the next milestone is the first one
not met by the as-of date, the problems are the latest report's on or before it, a measure
with no plan or report still has a row, and a briefing narrowed to some measures keeps only
theirs."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers import load_projects
from layers.edits.store import Store
from layers.exports.battle import battle_rows, fraction, months, timeline_span
from layers.labels import LIGHT_SHORT
from layers.progress.briefing import from_store

ASOF = dt.date(2020, 12, 31)
SINCE = dt.date(2020, 11, 30)


def plan(mid, unit, milestones):
    return (
        "plan",
        {"measure_id": mid, "unit": unit, "start": "2020-03-01", "end": "2021-06-30", "milestones": milestones},
    )


def report(mid, date, pct, problems):
    return ("report", {"measure_id": mid, "date": date, "status": "under_way", "progress": pct, "problems": problems})


ROWS = [
    plan(
        "A03-01",
        "市住建局",
        [
            {"name": "开工", "due": "2020-04-01", "met": "2020-03-28"},
            {"name": "主体完工", "due": "2021-03-31", "met": None},
            {"name": "封顶", "due": "2020-11-15", "met": "2021-01-05"},  # met only after the as-of date
        ],
    ),
    plan("A03-02", "市交通局", [{"name": "验收", "due": "2021-05-31", "met": None}]),
    report("A03-01", "2020-12-20", 55.0, "征地未完成"),
    report("A03-01", "2021-01-10", 60.0, "已解决"),  # after the as-of date: unseen
    report("A03-02", "2020-12-05", 40.0, ""),
    report("A03-02", "2020-10-05", 30.0, "资金未到位"),
]


@pytest.fixture
def briefing(store_target):
    with Store(store_target) as store:
        store.save_progress(ROWS, "王工")
        yield from_store(store, ["A03-01", "A03-02", "A03-03"], ASOF, since=SINCE)


def test_the_next_milestone_is_the_first_not_met_by_the_as_of_date(briefing):
    # 封顶 (due 2020-11-15) was met only on 2021-01-05: as of 2020-12-31 it is still next, and overdue.
    assert (briefing.rows.loc["A03-01", "next"], briefing.rows.loc["A03-01", "next_due"]) == (
        "封顶",
        dt.date(2020, 11, 15),
    )
    assert briefing.rows.loc["A03-01", "overdue"] == ["封顶"]
    assert briefing.rows.loc["A03-02", "next"] == "验收"


def test_the_problems_are_the_latest_reports_on_or_before_the_as_of_date(briefing):
    assert briefing.rows.loc["A03-01", "problems"] == "征地未完成"
    assert briefing.rows.loc["A03-01", "progress"] == 55.0
    assert briefing.rows.loc["A03-02", "problems"] == ""  # the latest (Dec) has none; October's is old news


def test_a_measure_with_neither_plan_nor_report_has_no_row_but_a_battle_row(briefing):
    assert "A03-03" not in briefing.rows.index
    part = load_projects().query("id in ['A03-01', 'A03-02', 'A03-03']")
    rows = battle_rows(briefing, part, {"A03-02": 1}, "zh")
    assert [r.id for r in rows][0] == "A03-02"  # the numbered one first
    blank = next(r for r in rows if r.id == "A03-03")
    assert blank.light == "no_plan" and blank.cells[3] == LIGHT_SHORT["no_plan"]["zh"] and blank.start is None


def test_units_and_narrowing(briefing):
    assert briefing.units() == ["市住建局", "市交通局"]  # by their first measure: A03-01, A03-02
    assert briefing.ids_of_unit("市住建局") == ["A03-01"]
    one = briefing.only(["A03-02"])
    assert list(one.rows.index) == ["A03-02"]
    assert set(one.milestones["id"]) == {"A03-02"}
    assert all(c["id"] == "A03-02" for c in one.changes)
    assert one.reports == {"total": 1, "by_measure": {"A03-02": 1}}
    assert briefing.reports["total"] == 2  # A03-01 (Dec 20) and A03-02 (Dec 5)


def test_the_battle_row_says_the_next_milestone_with_its_due_date(briefing):
    part = load_projects().query("id == 'A03-01'")
    (row,) = battle_rows(briefing, part, {"A03-01": 7}, "en")
    assert row.cells[0] == "7" and row.cells[2] == "市住建局" and row.cells[4] == "55%"
    assert row.cells[5] == "2020-11-15 封顶" and row.cells[6] == "征地未完成"
    assert [m[0] for m in row.milestones] == ["开工", "主体完工", "封顶"]


days = st.dates(dt.date(2019, 1, 1), dt.date(2023, 12, 31))


@given(days, days)
def test_months_cover_the_span_one_first_day_each(a, b):
    first, last = min(a, b), max(a, b)
    ms = months(first, last)
    assert ms[0] == first.replace(day=1) and ms[-1] == last.replace(day=1)
    assert all(m.day == 1 for m in ms) and len(set(ms)) == len(ms)
    assert all((n.year * 12 + n.month) - (m.year * 12 + m.month) == 1 for m, n in zip(ms, ms[1:], strict=False))


@given(days, days, days)
def test_the_timeline_holds_every_date_and_fraction_orders_them(a, b, asof):
    from layers.exports.battle import BattleRow

    row = BattleRow("x", [], "blue", min(a, b), max(a, b), [])
    first, last = timeline_span([row], asof)
    assert first <= min(a, b, asof) and last >= max(a, b, asof) and first.day == 1
    assert (last + dt.timedelta(days=1)).day == 1  # ends on a month's last day
    fa, fb = fraction(min(a, b), first, last), fraction(max(a, b), first, last)
    assert 0 <= fa <= fb <= 1
