from layers import load_projects
from layers.details import measure_details
from layers.filtering import Filters, filter_projects
from layers.stats import stats_by_action_district


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
    assert "shape central_urban" in rows["位置来源"]
    en = dict(measure_details(p.loc["A10-09"], "en"))
    assert en["Precision"].startswith("town") and "兖州区" in en["Districts"]  # at 颜店镇
