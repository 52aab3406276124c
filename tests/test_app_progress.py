"""Progress in the app (streamlit.testing): the as-of date, the light filter and the
colouring from the URL and back, lights from the store as of the date, the details'
progress rows, and the plain note when nothing has been reported."""

import datetime as dt

from test_app import caption, run

from layers import load_projects
from layers.edits.store import Store


def save_progress():
    plan = {
        "measure_id": "A03-01",
        "unit": "市发展改革委",
        "start": "2020-03-01",
        "end": "2021-02-28",
        "milestones": [{"name": "开工", "due": "2020-04-01", "met": "2020-03-28"}],
    }
    reports = [
        {
            "measure_id": "A03-01",
            "date": "2020-06-30",
            "status": "under_way",
            "progress": 2.0,
            "problems": "资金未到位",
        },
        {"measure_id": "A03-01", "date": "2020-09-30", "status": "completed", "progress": 100.0},
    ]
    with Store() as store:  # the test's own store (JINING_STORE, see conftest)
        store.save_progress([("plan", plan)] + [("report", r) for r in reports], "规划科王工")


def test_nothing_reported_says_so_and_every_measure_has_no_plan(isolated_store):
    at = run({"light": "no_plan"})
    assert "尚未填报任何进度" in caption(at)
    n = len(load_projects())
    assert f"符合条件的措施:{n} 条(共 {n} 条)" in caption(at)


def test_the_as_of_date_and_the_light_filter_come_from_the_url_and_go_back_to_it(isolated_store):
    save_progress()
    at = run({"asof": "2020-07-01", "light": "red"})
    assert at.session_state["asof"] == dt.date(2020, 7, 1)
    assert "符合条件的措施:1 条" in caption(at)  # A03-01: 33.5 % of the time gone, 2 % done
    assert at.query_params["asof"] == "2020-07-01" and at.query_params["light"] == "red"
    assert "尚未填报任何进度" not in caption(at)
    # As of the end of September it is completed: no red measure left.
    at.session_state["asof"] = dt.date(2020, 10, 1)
    at.run()
    assert "符合条件的措施:0 条" in caption(at)
    at.session_state["f_lights"] = ["completed"]
    at.run()
    assert "符合条件的措施:1 条" in caption(at) and at.query_params["light"] == "completed"


def test_the_details_show_the_measures_progress_as_of_the_date(isolated_store):
    save_progress()
    at = run({"asof": "2020-07-01"})
    at.session_state["selected_id"] = "A03-01"
    at.run()
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")  # without Markdown escapes
    assert "红 严重滞后(截至 2020-07-01)" in text and "市发展改革委" in text
    assert "2020-06-30 在建/推进中 2%" in text and "资金未到位" in text
    assert "2020-09-30" not in text  # reported after the as-of date


def test_a_bad_as_of_date_in_the_url_is_ignored_and_said(isolated_store):
    at = run({"asof": "2020-13-01", "color": "rainbow"})
    assert at.session_state["colouring"] == "action"
    said = [w.value.replace("\\", "") for w in at.warning]  # as written, without Markdown escapes
    assert any("asof=2020-13-01" in w and "color=rainbow" in w for w in said)


def test_an_editor_downloads_the_workbook_of_the_measures_the_filters_show(isolated_store):
    import io

    import openpyxl
    from test_app import add_account, open_tab, sign_in

    add_account("规划科王工", "editor")
    at = open_tab(sign_in(run({"action": "3"}), "规划科王工"), "导入与更正")
    n = int((load_projects()["action"] == 3).sum())
    (button,) = [b for b in at.get("download_button") if "填报模板" in b.proto.label]
    assert button.proto.label == f"下载填报模板({n} 项措施)"
    # What the button serves is template() of those measures: the three sheets, one plan row each.
    from layers.progress.workbook import template

    book = openpyxl.load_workbook(io.BytesIO(template(load_projects().query("action == 3"), lang="zh")))
    assert book.sheetnames[:3] == ["计划", "节点", "进度"] and book["计划"].max_row == n + 1


def test_coloured_by_progress_the_map_and_its_legend_show_the_lights(isolated_store):
    from test_app import map_script

    from layers.progress.lights import load_rules

    save_progress()
    at = run({"asof": "2020-07-01", "color": "progress"})
    script = map_script(at)
    assert "红 严重滞后 (1)" in script and load_rules().colour("red") in script
    assert f"无计划 ({len(load_projects()) - 1})" in script
    at.session_state["colouring"] = "action"
    at.run()
    assert "红 严重滞后 (1)" not in map_script(at) and "color" not in at.query_params


def test_the_statistics_say_what_changed_since_the_last_meeting(isolated_store):
    from test_app import open_tab

    save_progress()
    at = open_tab(run({"asof": "2020-10-01"}), "统计")
    assert at.session_state["since"] == dt.date(2020, 9, 1)  # 30 days before the as-of date by default
    assert any("2020-09-01 之后至 2020-10-01:1 项变化,新收到 1 份进度报告" in c.value for c in at.caption)
    changes = at.dataframe[-1].value
    assert changes.iloc[0].tolist() == ["2020-10-01", "A03-01", "35个重大工程", "进度灯变化", "未报告", "完成"]
    at.session_state["since"] = dt.date(2020, 9, 30)  # the completion report is dated the 30th: not after it
    at.run()
    assert any(":0 项变化,新收到 0 份进度报告" in c.value for c in at.caption)
