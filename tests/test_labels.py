"""Text the UI shows about measures: lists beside the map."""

from layers import load_projects
from layers.labels import PRECISION, md_escape, measure_list_markdown


def test_markdown_in_user_text_stays_text():
    """Regression: a Markdown image in an imported title made every browser fetch a remote URL."""
    for mode in (False, True):
        out = md_escape(
            "![x](http://host/img.png) [a](javascript:alert(1)) **b**\n<i>c</i>\x00 www.x.cn a@b.cn", html_mode=mode
        )
        for raw in ("![", "](", "**", "http://", "://", "www.", "www\\.", "a@b", "\n", "\x00", "<i>"):
            assert raw not in out, (mode, raw)


def test_measure_list_escapes_names_and_stops_at_the_limit():
    projects = load_projects()
    city = projects[projects["form"] == "city"].copy()
    city.iloc[0, city.columns.get_loc("title_zh")] = "<img src=x onerror=alert(1)>"
    text = measure_list_markdown(city, "zh", limit=5)
    lines = text.splitlines()
    assert len(lines) == 5 and all(line.startswith("- ") for line in lines)
    # Markdown and HTML characters are backslash-escaped: the name is text, never markup.
    assert "<img" not in text and r"&lt;img src=x onerror=alert\(1\)&gt;" in lines[0]
    assert PRECISION[city["precision"].iloc[0]]["zh"] in lines[0]
    full = measure_list_markdown(city, "en")
    assert len(full.splitlines()) == len(city)
    assert md_escape(city["title_en"].iloc[1], html_mode=True) in full.splitlines()[1]


def test_the_chinese_register_table_shows_no_english_codes_or_empty_values():
    """Regression: 类型 and 空间形态 showed programme / city / point, and empty values "None"."""
    import re

    from layers.labels import register_table

    table = register_table(load_projects(), "zh")
    data_columns = {"编号", "措施"}  # ids, and the measures' own titles (one says "APP")
    for column in table.columns.difference(list(data_columns)):
        for value in table[column].astype(str):
            assert not re.search(r"[A-Za-z]{3,}", value), (column, value)
            if column != "修改":  # empty until someone changes the measure
                assert value not in ("None", "nan", "NaN", ""), column


def test_location_sources_are_summarised_in_the_ui_language():
    import re

    from layers.details import measure_details, source_summary

    projects = load_projects()
    for src in projects["geometry_source"].unique():
        zh, en = source_summary(src, "zh"), source_summary(src, "en")
        assert zh and en and zh != "—"
        assert not re.search(r"[A-Za-z]{3,}", zh), zh  # names are Chinese; kinds are words
        assert not re.search(r"[\u4e00-\u9fff]", en.split(":")[0]), en  # the kind is English
    assert (
        source_summary("manual: set by 王工 on 2026-11-29 (AMap GCJ-02)", "zh")
        == "人工更正:王工,2026-11-29(AMap GCJ-02)"
    )
    # The detail panel shows the summary, then the cited notes as they are.
    rec = projects[projects["id"] == projects["id"].iloc[0]].iloc[0]
    rows = dict(measure_details(rec, "zh"))
    assert rows["位置来源"] == source_summary(rec["geometry_source"], "zh")
    assert rows["来源说明(原文)"] == rec["geometry_source"]
