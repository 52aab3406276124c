from layers import load_projects
from layers.selection.details import measure_details
from layers.selection.filtering import Filters, filter_projects
from layers.selection.stats import stats_by_action_district


def test_stats_table_counts_follow_the_selection():
    p = load_projects()
    sel = filter_projects(p, Filters(actions=(4,)))
    table = stats_by_action_district(sel)
    assert table.loc["合计", "合计"] == len(sel)
    row = table.loc["4. 乡村振兴攻坚行动"]
    assert row["合计"] == len(sel)
    assert row["金乡县"] == 1  # the Yushan demonstration area
    assert row["全市"] == (sel["form"] == "city").sum()
    assert table.loc["1. 三大攻坚战攻坚行动", "合计"] == 0


def test_stats_in_english():
    table = stats_by_action_district(load_projects(), "en")
    assert "Total" in table.columns and "Qufu" in table.columns and "city-wide" in table.columns


def test_details_carry_the_articles_words_target_precision_and_source():
    p = load_projects().set_index("id", drop=False)
    rows = dict(measure_details(p.loc["A03-11"]))
    assert rows["原文"] == "打通39条断头路"
    assert rows["目标"] == "39 条"
    assert "线/面" in rows["位置精度"] and "km" in rows["位置精度"]
    assert rows["位置来源"] == "示意图形:中心城区"  # in Chinese, naming the shape
    assert "shape central_urban" in rows["来源说明(英文原文)"]  # the cited notes as they are
    en = dict(measure_details(p.loc["A10-09"], "en"))
    assert en["Precision"].startswith("town") and en["Districts"] == "Yanzhou District"  # at 颜店镇, in English


def test_the_chart_orders_districts_officially_and_actions_by_number_in_the_maps_colours():
    from layers.geo.actions import load_actions
    from layers.geo.boundaries import county_names
    from layers.selection.stats import stats_chart, stats_long

    projects = load_projects()
    spec = stats_chart(projects, "zh").to_dict()
    names = county_names()
    x_sort = spec["encoding"]["x"]["sort"]
    # Official (adcode) order, then city-wide and outside: not by character code.
    assert x_sort == [names[c] for c in sorted(names)] + ["全市", "市外"]
    actions = load_actions()
    colour = spec["encoding"]["color"]
    assert [label.split(".")[0] for label in colour["sort"]] == [str(a) for a in sorted(actions.index)]  # 1..10
    assert colour["scale"]["range"] == [actions.loc[a, "colour"] for a in sorted(actions.index)]
    # The bars add up to the table's counts (a measure in two districts counts in both).
    long = stats_long(projects, "zh")
    table = stats_by_action_district(projects, "zh")
    assert long["count"].sum() == table.iloc[:-1, :-1].to_numpy().sum()
    assert set(long["colour"]) <= set(actions["colour"])


def test_the_chart_follows_the_selection_and_the_language():
    from layers.selection.stats import stats_long

    projects = load_projects()
    part = projects[projects["action"] == 4]
    long = stats_long(part, "en")
    assert set(long["action_id"]) == {4}
    assert "全市" not in set(long["district"]) and all(d.isascii() for d in long["district"])


def test_every_bar_carries_the_adcode_its_click_selects():
    """Issue 20: the click selection is on ``adcode``, which was in the data but in no
    encoding, so the bars' aggregation dropped it and a click selected nothing."""
    from layers.geo.boundaries import county_names
    from layers.selection.stats import stats_chart

    spec = stats_chart(load_projects(), "zh").to_dict()
    (param,) = [p for p in spec["params"] if p["name"] == "district"]
    assert param["select"]["fields"] == ["adcode"]
    encoded = {e["field"] for e in spec["encoding"].values() if isinstance(e, dict) and "field" in e}
    assert "adcode" in encoded  # a grouping field of the aggregation, so every bar keeps it
    assert spec["encoding"]["detail"]["field"] == "adcode"
    (rows,) = spec["datasets"].values()
    assert {r["adcode"] for r in rows} <= {*county_names(), "city", "outside"}
    assert {r["adcode"] for r in rows} >= set(county_names())


def test_lights_by_action_and_by_district_count_each_measure_where_it_belongs():
    from layers import load_projects
    from layers.labels import LIGHT_WORDS
    from layers.selection.stats import stats_by_light

    projects = load_projects()
    lit = projects.assign(light=["red" if a == 3 else "no_plan" for a in projects["action"]])
    by_action = stats_by_light(lit, "action", "zh")
    assert list(by_action.columns) == [w["zh"] for w in LIGHT_WORDS.values()] + ["合计"]
    n3 = int((projects["action"] == 3).sum())
    assert by_action.loc[by_action.index.str.startswith("3. "), "红 严重滞后"].item() == n3
    assert by_action.loc["合计", "合计"] == len(projects) and by_action.loc["合计", "红 严重滞后"] == n3
    by_district = stats_by_light(lit, "district", "en")
    assert by_district.loc["Total", "Total"] == len(projects)
    qufu = [i for i in by_district.index if i.startswith("Qufu")][0]
    in_qufu = projects[projects["county_adcodes"].fillna("").str.contains("370881") & (projects["action"] == 3)]
    assert by_district.loc[qufu, "red: well behind"] == len(in_qufu)
    # Nothing joined: every measure has no plan.
    assert stats_by_light(projects, "action", "zh").loc["合计", "无计划"] == len(projects)
