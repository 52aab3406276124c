"""The Streamlit app under streamlit.testing: widgets, URL state and the map script st_folium receives."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers import load_projects

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run(params=None):
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def map_script(at) -> str:
    """The arguments st_folium sent to the browser (map script, JS/CSS links), as readable text."""
    import json

    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    return "\n".join(
        [args["script"], args.get("feature_group") or "", *args.get("js_links", []), *args.get("css_links", [])]
    )


def caption(at) -> str:
    return " ".join(c.value for c in at.caption)


@pytest.fixture
def app():
    return run()


PASSWORD = "correct horse battery"


def add_account(name: str, role: str, password: str = PASSWORD) -> None:
    from layers.edits.auth import Accounts
    from layers.edits.store import Store

    with Store() as store:  # the test's own store (JINING_STORE, see conftest)
        Accounts(store).add(name, password, role)


def sign_in(at, name: str, password: str = PASSWORD):
    """Sign in with the form in the sidebar, as a planner does."""
    at.text_input(key="login_name").set_value(name)
    at.text_input(key="login_password").set_value(password)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    return at


def test_default_view_shows_every_measure_on_the_map(app):
    n = len(load_projects())
    assert f"{n} 条(共 {n} 条)" in caption(app)
    script = map_script(app)
    assert "/app/static/vendor/leaflet/leaflet.js" in script
    for rid in ("A04-11", "A03-06", "A10-05"):
        assert rid in script
    assert "cdn.jsdelivr" not in script and "unpkg" not in script


def test_query_params_set_the_filters():
    at = run({"action": "4", "district": "370828"})
    assert at.multiselect(key="f_actions").value == [4]
    assert at.multiselect(key="f_districts").value == ["370828"]
    script = map_script(at)
    assert "A04-11" in script and "A04-13" not in script and "A03-06" not in script


def test_filter_change_updates_map_counts_and_url(app):
    app.multiselect(key="f_actions").set_value([3]).run()
    assert not app.exception
    script = map_script(app)
    assert "A03-06" in script and "A04-11" not in script
    assert app.query_params["action"] == "3"
    n3 = (load_projects()["action"] == 3).sum()
    assert f"{n3} 条" in caption(app)


def test_action_options_show_counts_that_follow_other_filters(app):
    app.multiselect(key="f_districts").set_value(["370828"]).run()
    label = app.multiselect(key="f_actions").format_func(4)
    assert label.endswith("(6)")  # the Yushan area plus five city-wide measures


def test_empty_result_says_so_and_reset_restores(app):
    app.text_input(key="f_q").set_value("不存在的关键词").run()
    assert any("没有符合" in w.value for w in app.warning)
    app.button(key="reset_empty").click().run()
    assert not app.exception
    assert app.text_input(key="f_q").value == ""
    n = len(load_projects())
    assert f"{n} 条(共 {n} 条)" in caption(app)


def test_keyword_and_basemap_in_url():
    at = run({"q": "尼山", "basemap": "osm"})
    assert at.text_input(key="f_q").value == "尼山"
    assert at.selectbox(key="basemap").value == "osm"
    assert "tile.openstreetmap.org" in map_script(at)


def test_unknown_url_values_are_reported_not_fatal():
    at = run({"action": "99", "basemap": "nope"})
    assert any("action=99" in w.value and "basemap=nope" in w.value for w in at.warning)
    assert at.multiselect(key="f_actions").value == []


def test_english_toggle(app):
    app.sidebar.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.markdown[0].value.startswith("### Jining")
    assert "Matching measures" in caption(app)
    assert "Rural Revitalisation Action" in map_script(app)


def open_tab(at, label):
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def test_tabs_show_statistics_and_the_register(app):
    # The counts, then the lights by action and by district.
    stats, by_action, by_district = (d.value for d in open_tab(app, "统计").dataframe)
    (table,) = (d.value for d in open_tab(app, "登记表").dataframe)
    assert stats.loc["合计", "合计"] == len(load_projects())
    # Nothing reported: every measure has no plan, by action and by district.
    assert by_action.loc["合计", "无计划"] == by_district.loc["合计", "无计划"] == len(load_projects())
    assert list(table["编号"]) == list(load_projects()["id"])


def test_gaode_basemap_is_gcj02():
    at = run({"basemap": "gaode"})
    assert "autonavi" in map_script(at)


def test_export_tab_creates_a_download_of_the_selection():
    import io

    import pandas as pd

    at = open_tab(run({"action": "4", "district": "370828"}), "导出")
    at.selectbox(key="x_format").set_value("csv").run()
    at.button(key="x_go").click().run()
    assert not at.exception
    (button,) = [b for b in at.get("download_button") if b.proto.label == "下载"]
    assert button.proto.label == "下载"
    data = at.session_state["x_result"][1]
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(table) == 6 and set(table["action"]) == {4}


def test_export_pack_shows_progress():
    at = open_tab(run({"action": "7"}), "导出")
    at.selectbox(key="x_format").set_value("pack-pdf").run()
    at.button(key="x_go").click().run()
    assert not at.exception
    assert at.session_state["x_result"][1].startswith(b"%PDF")
    (bar,) = at.get("progress")
    assert bar.proto.value == 100 and bar.proto.text == "完成"


def test_correct_a_location_by_pasting_amap_coordinates_then_undo(isolated_store):
    from layers.edits.store import Store
    from layers.geo.coords import distance_m, from_wgs84

    add_account("规划科王工", "editor")
    at = open_tab(sign_in(run(), "规划科王工"), "导入与更正")
    at.selectbox(key="fix_id").set_value("A10-09").run()
    at.radio(key="fix_method").set_value("paste").run()
    x, y = from_wgs84(116.7211, 35.5602, "gcj02")
    at.selectbox(key="fix_crs").set_value("gcj02").run()
    at.text_input(key="fix_text").set_value(f"{x:.8f}, {y:.8f}").run()
    at.button(key="fix_save").click().run()
    assert not at.exception
    # The save says what it did, and links to the history.
    assert [s.value for s in at.success] == ["已保存 1 条(新增 0,更新 1)。[查看修改记录](#history)"]
    with Store(isolated_store) as s:
        rec = s.records()["A10-09"]
    lon, lat = rec["geometry"]["coordinates"]
    assert distance_m(lon, lat, 116.7211, 35.5602) < 1.0
    assert rec["precision"] == "manual" and "规划科王工" in rec["geometry_source"]
    assert rec["_updated_by"] == "规划科王工"  # the signed-in account, not typed text
    # The map shows the change: the measure's tooltip gives its new precision.
    assert "手动定位" in map_script(open_tab(at, "地图"))
    open_tab(at, "导入与更正")
    at.button(key="undo").click().run()
    with Store(isolated_store) as s:
        assert s.records() == {}


def test_a_save_that_lost_a_race_gets_a_conflict_message(isolated_store):
    import shapely

    from layers.edits.changes import record_from_row, with_location
    from layers.edits.store import Store

    add_account("张工", "editor")
    at = open_tab(sign_in(run(), "张工"), "导入与更正")
    at.selectbox(key="fix_id").set_value("A10-08").run()  # the page loads version 0 of A10-08
    at.radio(key="fix_method").set_value("paste").run()
    at.text_input(key="fix_text").set_value("116.58, 35.35").run()
    other = load_projects().set_index("id").loc["A10-08"].copy()
    other["id"] = "A10-08"
    with Store(isolated_store) as s:  # somebody else saves first, from another browser
        s.save([with_location(record_from_row(other), shapely.Point(116.6, 35.36), "李工", "paste", 1)], "李工")
    at.button(key="fix_save").click().run()
    assert any("已被 李工" in e.value and "请刷新页面" in e.value for e in at.error)  # in the UI's language
    with Store(isolated_store) as s:
        assert s.records()["A10-08"]["_updated_by"] == "李工"


def test_filter_change_keeps_the_base_map_and_swaps_only_the_layers(app):
    """Same base map script (so the browser keeps its map), different overlay groups."""
    import json

    def args(at):
        (component,) = at.get("component_instance")
        return json.loads(component.proto.json_args)

    before = args(app)
    app.multiselect(key="f_actions").set_value([4]).run()
    after = args(app)
    assert before["key"] == after["key"] and before["script"] == after["script"]
    assert before["feature_group"] != after["feature_group"]
    assert "A04-11" in after["feature_group"] and "A03-06" not in after["feature_group"]


def test_an_empty_result_shows_no_empty_grid(app):
    """Streamlit's empty data grid says "empty" in English whatever the language: with nothing
    to list, the list beside the map is left out (the warning says nothing matches)."""
    assert any("序号" in d.value.columns[0] for d in app.dataframe)  # the list, with measures
    app.text_input(key="f_q").set_value("不存在的关键词").run()
    assert not any(len(d.value.columns) and "序号" in d.value.columns[0] for d in app.dataframe)
    assert any("没有符合" in w.value for w in app.warning)
