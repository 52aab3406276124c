"""The three-colour rule at every boundary (10/30 points, 30/45/90 days, a milestone due
today), against an oracle written from the issue's words one measure at a time, and the
vectorised table against the one-measure rule."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.progress.lights import RULES_PATH, light_of, lights_table, load_rules, milestones_frame
from layers.progress.model import LIGHTS, Milestone, Plan, Report, parse_status

R = load_rules()
START, END = dt.date(2020, 3, 1), dt.date(2021, 2, 28)  # 364 days
D = dt.timedelta


def oracle(plan, reports, asof):
    """The rule as the issue words it, written independently of lights.py."""
    seen = sorted((r for r in reports if r.date <= asof), key=lambda r: r.date)
    last = seen[-1] if seen else None
    if last and last.status == "completed":
        return "completed"
    if last and last.status == "cancelled":
        return "cancelled"
    if plan is None:
        return "no_plan"
    if last is None or (asof - last.date).days > 45:
        return "stale"
    total = (plan.end - plan.start).days
    done = (asof - plan.start).days
    schedule = min(max(done / total, 0), 1) * 100
    lag = schedule - last.progress
    unmet = [m for m in plan.milestones if m.due < asof and not (m.met and m.met <= asof)]
    if lag > 30 or any(m.due <= asof - D(days=30) for m in unmet):
        return "red"
    if last.status == "not_started" and asof > plan.start + D(days=90):
        return "red"
    if lag > 10 or unmet:
        return "yellow"
    return "blue"


def schedule_at(asof):
    return (asof - START).days / (END - START).days * 100


def test_the_settings_file_holds_the_issues_thresholds_and_a_colour_per_light():
    assert (R.yellow_lag, R.red_lag, R.red_overdue_days, R.not_started_days, R.stale_days) == (10, 30, 30, 90, 45)
    assert set(dict(R.colours)) == set(LIGHTS)


@pytest.mark.parametrize(("behind", "light"), [(10.0, "blue"), (10.5, "yellow"), (30.0, "yellow"), (30.5, "red")])
def test_lag_boundaries_are_strict(behind, light):
    asof = START + D(days=182)
    progress = schedule_at(asof) - behind
    got = light_of(Plan("u", START, END), [Report(asof, "under_way", progress)], asof)
    assert got["light"] == light == oracle(Plan("u", START, END), [Report(asof, "under_way", progress)], asof)
    assert got["lag"] == pytest.approx(behind, abs=0.05)


@pytest.mark.parametrize(("age", "light"), [(45, "blue"), (46, "stale")])
def test_a_report_older_than_45_days_is_stale(age, light):
    asof = START + D(days=100)
    reports = [Report(asof - D(days=age), "under_way", 100)]
    assert light_of(Plan("u", START, END), reports, asof)["light"] == light


@pytest.mark.parametrize(("days_late", "light"), [(0, "blue"), (1, "yellow"), (29, "yellow"), (30, "red")])
def test_an_unmet_milestone_is_yellow_once_past_due_and_red_30_days_on(days_late, light):
    asof = START + D(days=100)
    plan = Plan("u", START, END, milestones=(Milestone("开工", asof - D(days=days_late)),))
    got = light_of(plan, [Report(asof, "under_way", 100)], asof)
    assert got["light"] == light
    assert got["overdue"] == (["开工"] if days_late else [])  # due today is not overdue


def test_a_milestone_met_after_the_as_of_date_is_not_met_yet():
    asof = START + D(days=100)
    plan = Plan("u", START, END, milestones=(Milestone("开工", START + D(days=10), met=asof + D(days=1)),))
    assert light_of(plan, [Report(asof, "under_way", 100)], asof)["light"] == "red"
    assert light_of(plan, [Report(asof, "under_way", 100)], asof + D(days=1))["light"] == "blue"


@pytest.mark.parametrize(("waited", "light"), [(90, "blue"), (91, "red")])
def test_not_started_90_days_after_the_planned_start_is_red(waited, light):
    asof = START + D(days=waited)
    plan = Plan("u", START, START + D(days=3650))  # a long plan: a small lag
    assert light_of(plan, [Report(asof, "not_started", 5)], asof)["light"] == light


def test_completed_and_cancelled_win_over_everything_and_need_no_plan():
    asof = START + D(days=300)
    assert light_of(None, [Report(asof - D(days=200), "completed", 100)], asof)["light"] == "completed"
    assert light_of(Plan("u", START, END), [Report(asof, "cancelled", 0)], asof)["light"] == "cancelled"


def test_reports_after_the_as_of_date_are_not_seen():
    plan = Plan("u", START, END)
    reports = [Report(START + D(days=10), "under_way", 3), Report(START + D(days=40), "completed", 100)]
    assert light_of(plan, reports, START + D(days=20))["light"] == "blue"
    assert light_of(plan, reports, START + D(days=40))["light"] == "completed"
    assert light_of(plan, reports, START + D(days=5))["light"] == "stale"


dates = st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2022, 6, 1))
reports_st = st.lists(
    st.builds(
        Report,
        date=dates,
        status=st.sampled_from(["not_started", "under_way", "completed", "suspended", "cancelled"]),
        progress=st.floats(min_value=0, max_value=100, allow_nan=False),
    ),
    max_size=4,
    unique_by=lambda r: r.date,
)
plans_st = st.one_of(
    st.none(),
    st.builds(
        lambda s, n, ms: Plan("u", s, s + D(days=n), milestones=tuple(ms)),
        dates,
        st.integers(min_value=1, max_value=900),
        st.lists(st.builds(Milestone, name=st.sampled_from("abc"), due=dates, met=st.none() | dates), max_size=3),
    ),
)


@settings(max_examples=400, deadline=None)
@given(plans_st, reports_st, dates)
def test_the_rule_matches_the_issues_words_for_any_plan_reports_and_date(plan, reports, asof):
    assert light_of(plan, reports, asof)["light"] == oracle(plan, reports, asof)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(plans_st, reports_st), min_size=1, max_size=8), dates)
def test_the_register_table_gives_each_measure_its_own_light(measures, asof):
    """lights_table over many measures at once equals the rule one measure at a time."""
    import pandas as pd

    ids = [f"M{i}" for i in range(len(measures))]
    by_id = {i: p for i, (p, _) in zip(ids, measures, strict=True) if p}
    plans = pd.DataFrame(
        [{"start": p.start, "end": p.end} for p in by_id.values()], index=list(by_id), columns=["start", "end"]
    )
    latest = {}
    for i, (_, reports) in zip(ids, measures, strict=True):
        seen = [r for r in reports if r.date <= asof]
        if seen:
            last = max(seen, key=lambda r: r.date)
            latest[i] = {"date": last.date, "status": last.status, "progress": last.progress}
    table = lights_table(
        ids, plans, pd.DataFrame.from_dict(latest, orient="index"), asof, None, milestones_frame(by_id)
    )
    assert list(table["light"]) == [oracle(p, r, asof) for p, r in measures]


def test_statuses_are_read_from_chinese_words_or_codes():
    assert parse_status("在建") == parse_status("推进中") == parse_status("under_way") == "under_way"
    assert parse_status("已完成") == "completed" and parse_status("取消") == "cancelled"
    assert parse_status("差不多") is None


def test_a_settings_file_without_a_colour_for_a_light_is_refused(tmp_path):
    bad = tmp_path / "lights.toml"
    bad.write_text(RULES_PATH.read_text(encoding="utf-8").replace('red = "#d7261e"\n', ""), encoding="utf-8")
    with pytest.raises(ValueError, match="red"):
        load_rules(bad)
