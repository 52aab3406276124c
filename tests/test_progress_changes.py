"""Changes since the last briefing (``layers.progress.changes`` and ``python -m layers progress
changes``), on both store backends: a light that changes, a milestone met, milestones that
become overdue, a measure that goes stale and the new reports of a period (since, asof],
with its boundaries: a change on ``since`` is outside, one on ``asof`` inside, and a
milestone due on ``asof`` is not overdue yet. Every date is derived from the thresholds of
``lights.toml``."""

import csv
import datetime as dt
import io
import json

import pytest

from layers.__main__ import main
from layers.edits.store import Store
from layers.progress.changes import FIELDS, changes_between, report_counts
from layers.progress.lights import load_rules

RULES = load_rules()
SINCE = dt.date(2020, 9, 1)
#: Longer than stale_days, so that a report seen as of SINCE can go stale by ASOF.
ASOF = SINCE + dt.timedelta(days=RULES.stale_days + 15)
IDS = ["A03-01", "A03-02", "A03-03", "A03-04", "A03-05"]


def day(base: dt.date, days: int) -> str:
    return (base + dt.timedelta(days=days)).isoformat()


def plan(mid, milestones=()):
    # Half the planned span has gone by at SINCE, and ASOF is before its end.
    return (
        "plan",
        {
            "measure_id": mid,
            "unit": "市住建局",
            "start": day(SINCE, -150),
            "end": day(SINCE, 150),
            "milestones": list(milestones),
        },
    )


def report(mid, date, pct=99.0, status="under_way"):
    return ("report", {"measure_id": mid, "date": date, "status": status, "progress": pct, "reporter": "王工"})


def milestone(name, due, met=None):
    return {"name": name, "due": due, "met": met}


def scenario() -> list:
    """The rows of the period's story; A03-05 has neither plan nor report (no_plan, no change)."""
    ahead = RULES.stale_days + 1  # a report this many days old is stale
    return [
        # A03-01: blue until a completed report dated ASOF; one milestone met inside the
        # period, one met on SINCE (outside), one due on ASOF and not met (not overdue yet).
        plan(
            "A03-01",
            [
                milestone("met_inside", day(SINCE, 10), day(SINCE, 5)),
                milestone("met_on_since", day(SINCE, 0), day(SINCE, 0)),
                milestone("due_on_asof", day(ASOF, 0)),
            ],
        ),
        report("A03-01", day(SINCE, -10)),
        report("A03-01", day(SINCE, 0)),  # dated SINCE: not a new report
        report("A03-01", day(ASOF, 0), 100.0, "completed"),  # dated ASOF: new
        # A03-02: red throughout (nothing done at half time); a milestone due on SINCE becomes
        # overdue the day after, one due the day before was overdue already on SINCE, one met
        # only after ASOF is overdue in the period.
        plan(
            "A03-02",
            [
                milestone("due_on_since", day(SINCE, 0)),
                milestone("due_before_since", day(SINCE, -1)),
                milestone("met_after_asof", day(SINCE, 3), day(ASOF, 1)),
            ],
        ),
        report("A03-02", day(SINCE, -1), 0.0),
        report("A03-02", day(ASOF, -1), 0.0),
        # A03-03: its latest report becomes too old exactly on ASOF.
        plan("A03-03"),
        report("A03-03", day(SINCE, -1)),
        report("A03-03", day(ASOF, -ahead)),
        # A03-04: its latest report is exactly stale_days old on ASOF: still fresh.
        plan("A03-04"),
        report("A03-04", day(SINCE, -1)),
        report("A03-04", day(ASOF, -RULES.stale_days)),
        # X00-01: not one of the measures asked for.
        plan("X00-01"),
        report("X00-01", day(SINCE, 2)),
    ]


def expected() -> list[dict]:
    def rec(mid, kind, before, after, date):
        return {"id": mid, "kind": kind, "from": before, "to": after, "date": date}

    stale_on = day(dt.date.fromisoformat(day(ASOF, -(RULES.stale_days + 1))), RULES.stale_days + 1)
    assert stale_on == ASOF.isoformat()  # the rule puts A03-03's stale day exactly on ASOF
    return [
        rec("A03-02", "milestone_overdue", "", "due_on_since", day(SINCE, 1)),
        rec("A03-02", "milestone_overdue", "", "met_after_asof", day(SINCE, 4)),
        rec("A03-01", "milestone_met", "", "met_inside", day(SINCE, 5)),
        rec("A03-01", "light", "blue", "completed", ASOF.isoformat()),
        rec("A03-03", "light", "blue", "stale", ASOF.isoformat()),
        rec("A03-03", "stale", "blue", "stale", stale_on),
    ]


@pytest.fixture
def store(store_target):
    with Store(store_target) as s:
        s.save_progress(scenario(), "王工")
        yield s


def test_each_kind_of_change_in_the_period_with_its_boundaries(store):
    assert changes_between(store, IDS, SINCE, ASOF) == expected()


def test_the_lights_behind_the_changes_follow_the_rule(store):
    from layers.progress.store import lights_asof

    before, after = lights_asof(store, IDS, SINCE), lights_asof(store, IDS, ASOF)
    assert list(before["light"]) == ["blue", "red", "blue", "blue", "no_plan"]
    assert list(after["light"]) == ["completed", "red", "stale", "blue", "no_plan"]
    assert after.loc["A03-02", "overdue"] == ["due_on_since", "due_before_since", "met_after_asof"]


def test_new_reports_are_counted_after_since_up_to_asof(store):
    assert report_counts(store, IDS, SINCE, ASOF) == {
        "total": 4,
        "by_measure": {"A03-01": 1, "A03-02": 1, "A03-03": 1, "A03-04": 1},
    }
    # One day earlier at each end: A03-01's report dated ASOF is out, the one dated SINCE is in.
    earlier = report_counts(store, IDS, SINCE - dt.timedelta(days=1), ASOF - dt.timedelta(days=1))
    assert earlier["by_measure"]["A03-01"] == 1 and earlier["total"] == 4


def test_a_period_that_is_empty_or_reversed_is_refused_in_both_languages(store):
    for since, asof in ((ASOF, ASOF), (ASOF, SINCE)):
        for fn in (changes_between, report_counts):
            with pytest.raises(ValueError, match="must be before") as info:
                fn(store, IDS, since, asof)
            assert "须早于" in info.value.args[0].zh


def test_the_command_line_prints_the_changes_and_the_new_reports(store_target, capsys):
    with Store(store_target) as s:
        s.save_progress(scenario(), "王工")
    argv = ["progress", "changes", "--since", SINCE, "--asof", ASOF, "--store", store_target]
    assert main([str(a) for a in argv]) == 0
    out = capsys.readouterr()
    # Every other measure of the register has no plan: no change.
    assert json.loads(out.out) == expected()
    assert out.err == "new reports: 4\n"
    assert main([str(a) for a in [*argv, "--format", "csv"]]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == FIELDS and rows[1:] == [[r[f] for f in FIELDS] for r in expected()]


def test_bad_dates_on_the_command_line_exit_2_with_one_sentence(capsys):
    rc = main(["progress", "changes", "--since", "2020-12-31", "--asof", "2020-12-01"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith("error: the period is empty")
    with pytest.raises(SystemExit) as info:
        main(["progress", "changes", "--since", "2020-02-30", "--asof", "2020-12-01"])
    assert info.value.code == 2 and "is not a date" in capsys.readouterr().err
