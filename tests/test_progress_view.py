"""Progress as the app shows it: lights joined to the measures, counts, and a measure's
plan, latest report, milestones and history as text in either language."""

import datetime as dt
import re

import pandas as pd

from layers import load_projects
from layers.progress.lights import light_of
from layers.progress.model import Milestone, Plan, Report
from layers.progress.view import light_counts, milestone_lines, progress_details, with_lights

D = dt.date
PLAN = Plan(
    "市住建局",
    D(2020, 3, 1),
    D(2021, 2, 28),
    leader="张三",
    investment=1200,
    milestones=(Milestone("开工", D(2020, 4, 1), met=D(2020, 3, 28)), Milestone("主体完工", D(2020, 6, 1))),
)
REPORTS = [Report(D(2020, 5, 31), "under_way", 20), Report(D(2020, 6, 30), "under_way", 25, problems="<b>拆迁</b>")]


def test_lights_are_joined_by_id_and_measures_without_one_have_no_plan():
    projects = load_projects()
    ids = list(projects["id"][:3])
    lights = pd.DataFrame(
        {
            "light": ["red", "blue"],
            "lag": [35.0, 2.0],
            "schedule": [50.0, 40.0],
            "progress": [15.0, 38.0],
            "report_date": ["2020-06-30", "2020-06-30"],
            "overdue": [["开工"], []],
        },
        index=ids[:2],
    )
    out = with_lights(projects, lights)
    assert list(out["light"][:3]) == ["red", "blue", "no_plan"]
    assert out["light_overdue"].iloc[0] == ["开工"] and out["light_overdue"].iloc[2] == []
    assert len(out) == len(projects) and list(out["id"]) == list(projects["id"])
    counts = light_counts(out)
    assert counts["red"] == 1 and counts["blue"] == 1 and counts["no_plan"] == len(projects) - 2
    assert light_counts(projects)["no_plan"] == len(projects)  # no lights joined: no plans


def test_milestones_read_met_overdue_or_to_come_as_of_the_date():
    lines = milestone_lines(PLAN, D(2020, 7, 1), "zh")
    assert lines[0].startswith("✓ 开工") and "2020-03-28 完成" in lines[0]
    assert lines[1].startswith("✗ 主体完工") and "逾期 30 天" in lines[1]
    assert milestone_lines(PLAN, D(2020, 5, 1), "en")[1].startswith("○ 主体完工: due 2020-06-01, to come")


def test_the_details_show_the_plan_the_latest_report_and_the_history_up_to_the_date():
    asof = D(2020, 7, 1)
    row = light_of(PLAN, REPORTS, asof)
    zh = dict(progress_details(PLAN, REPORTS, row, asof, "zh"))
    assert zh["进度灯"].startswith("红") and "截至 2020-07-01" in zh["进度灯"]  # 主体完工 30 days late
    assert zh["责任单位"] == "市住建局(牵头:张三)" and "计划投资 1200 万元" in zh["计划"]
    assert zh["最新报告"].startswith("2020-06-30 在建/推进中 25%") and "<b>拆迁</b>" in zh["最新报告"]
    assert zh["报告记录"].splitlines() == ["2020-06-30 在建/推进中 25%", "2020-05-31 在建/推进中 20%"]
    # As of an earlier date, the later report is not there.
    early = dict(progress_details(PLAN, REPORTS, light_of(PLAN, REPORTS, D(2020, 6, 1)), D(2020, 6, 1), "zh"))
    assert early["最新报告"].startswith("2020-05-31") and "报告记录" not in early
    en = progress_details(PLAN, REPORTS, row, asof, "en")
    labels = [label for label, _ in en]
    assert not any(re.search(r"[\u4e00-\u9fff]", label) for label in labels)
    assert dict(en)["Responsible unit"] == "市住建局 (lead: 张三)"


def test_a_measure_without_a_plan_says_so():
    rows = dict(progress_details(None, [], light_of(None, [], D(2020, 7, 1)), D(2020, 7, 1), "zh"))
    assert rows["进度灯"].startswith("无计划") and rows["计划"] == "尚未填报计划"


def test_the_changes_of_a_period_read_as_a_table_in_either_language():
    from layers.progress.view import changes_table

    changes = [
        {"id": "A03-01", "kind": "light", "from": "blue", "to": "red", "date": D(2020, 9, 30)},
        {"id": "A03-02", "kind": "milestone_met", "from": "", "to": "开工", "date": D(2020, 9, 12)},
    ]
    zh = changes_table(changes, {"A03-01": "35个重大工程"}, "zh")
    assert list(zh.columns) == ["日期", "编号", "措施", "变化", "由", "变为"]
    assert zh.iloc[0].tolist() == ["2020-09-30", "A03-01", "35个重大工程", "进度灯变化", "蓝", "红"]
    assert zh.iloc[1].tolist()[3:] == ["节点完成", "—", "开工"]
    en = changes_table(changes, {}, "en")
    assert en.iloc[0].tolist()[3:] == ["light changed", "blue", "red"]
