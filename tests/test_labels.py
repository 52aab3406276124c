"""Text the UI shows: escaping, the register table, the catalogue."""

from layers import load_projects
from layers.labels import md_escape


def test_markdown_in_user_text_stays_text():
    """Regression: a Markdown image in an imported title made every browser fetch a remote URL."""
    for mode in (False, True):
        out = md_escape(
            "![x](http://host/img.png) [a](javascript:alert(1)) **b**\n<i>c</i>\x00 www.x.cn a@b.cn", html_mode=mode
        )
        for raw in ("![", "](", "**", "http://", "://", "www.", "www\\.", "a@b", "\n", "\x00", "<i>"):
            assert raw not in out, (mode, raw)


def test_the_chinese_register_table_shows_no_english_codes_or_empty_values():
    """Regression: 类型 and 空间形态 showed programme / city / point, and empty values "None"."""
    import re

    from layers.selection.details import register_table

    table = register_table(load_projects(), "zh")
    data_columns = {"编号", "措施"}  # ids, and the measures' own titles (one says "APP")
    for column in table.columns.difference(list(data_columns)):
        for value in table[column].astype(str):
            assert not re.search(r"[A-Za-z]{3,}", value), (column, value)
            if column != "修改":  # empty until someone changes the measure
                assert value not in ("None", "nan", "NaN", ""), column


def test_location_sources_are_summarised_in_the_ui_language():
    import re

    from layers.selection.details import measure_details, source_summary

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
    assert rows["来源说明(英文原文)"] == rec["geometry_source"]


def test_the_catalogue_has_both_languages_and_the_same_placeholders():
    import string

    from layers.labels import TEXT

    for key, text in TEXT.items():
        assert set(text) == {"zh", "en"}, key
        if isinstance(text["zh"], str):
            fields = [{f for _, f, _, _ in string.Formatter().parse(text[lang]) if f} for lang in ("zh", "en")]
            assert fields[0] == fields[1], key
        else:
            assert len(text["zh"]) == len(text["en"]), key


def test_app_and_ui_carry_no_inline_translations():
    """Every user-visible string comes from the catalogue: no "…" if zh else "…" in the UI code."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [root / "app.py", *sorted((root / "ui").glob("*.py"))]:
        code = path.read_text(encoding="utf-8")
        assert not re.search(r"if zh\b|if lang == .zh. else", code), path.name


def test_the_commands_the_app_prints_run_as_printed_from_the_project_folder():
    """The read-only edit tab once printed `python -m layers users add …`, which outside the
    virtual environment failed with ModuleNotFoundError: every command in the catalogue is run
    here as printed (with --help), from the project folder."""
    import re
    import shlex
    import subprocess
    from pathlib import Path

    from layers.labels import TEXT

    root = Path(__file__).resolve().parents[1]
    commands = {
        m.group(1)
        for texts in TEXT.values()
        if isinstance(texts, dict)
        for text in texts.values()
        if isinstance(text, str)
        for m in re.finditer(r"`([^`]*-m layers [^`]*)`", text)
    }
    assert commands
    for command in commands:
        words = shlex.split(command)
        head = words[: words.index("layers") + 2]  # interpreter, -m, layers, subcommand
        res = subprocess.run([*head, "--help"], cwd=root, capture_output=True, text=True)
        assert res.returncode == 0, (command, res.stderr[-300:])


def test_times_are_shown_in_jining_local_time():
    from layers.labels import local_time

    assert local_time("2026-12-05T06:03:59+00:00") == "2026-12-05 14:03"
    assert local_time("2026-12-05T14:03:00+08:00") == "2026-12-05 14:03"
    assert local_time("2026-12-31T20:30:00-05:00") == "2027-01-01 09:30"
    assert local_time("") == "" and local_time(None) == "" and local_time("昨天") == "昨天"


def test_the_detail_panel_and_the_register_table_show_local_times():
    from layers import load_projects
    from layers.edits.changes import merge_changes, record_from_row
    from layers.selection.details import measure_details, register_table

    p = load_projects()
    rec = record_from_row(p.iloc[0])
    rec.update(_updated_by="zhang", _updated_at="2026-12-05T06:03:59+00:00", origin="manual")
    merged = merge_changes(p, {rec["id"]: rec})
    row = merged[merged["id"] == rec["id"]].iloc[0]
    changed = dict(measure_details(row, "zh"))["已修改"]
    assert "2026-12-05 14:03" in changed and "T06" not in changed
    assert "2026-12-05 14:03" in " ".join(register_table(merged, "zh").astype(str).iloc[0])


def test_a_hand_set_location_is_described_in_the_view_language():
    """The Chinese view once read "人工更正:张工,2026-12-05T14:03+08:00(map)"."""
    from layers.selection.details import source_summary

    text = "manual: set by 张工 on 2026-12-05T14:03+08:00 (map)"
    assert source_summary(text, "zh") == "人工更正:张工,2026-12-05 14:03(在地图上点选)"
    assert source_summary(text, "en") == "Corrected by hand: 张工, 2026-12-05 14:03 (click the map)"
    assert "(paste)" not in source_summary(text.replace("(map)", "(paste)"), "zh")


def test_the_english_register_table_names_districts_in_english():
    from layers import load_projects
    from layers.selection.details import register_table

    table = register_table(load_projects(), "en")
    districts = " ".join(table.iloc[:, 9].astype(str))  # the districts column
    assert "Qufu" in districts and "曲阜" not in districts


def test_the_english_register_table_and_detail_panel_show_no_chinese():
    """Issue 20, item 6: in English, place, target and location source read in English (every
    place of the register has a sourced English name); Chinese stays only in what is quoted as
    written: the measure's own title beside its English one, the article's words, the cited notes."""
    import re

    from layers.selection.details import ARTICLE_WORDS, measure_details, register_table

    cjk = re.compile(r"[\u4e00-\u9fff]")
    projects = load_projects()
    cells = register_table(projects, "en").astype(str).to_numpy().ravel()
    assert [c for c in cells if cjk.search(c)] == []
    quoted = {"Measure", ARTICLE_WORDS["en"], "Source notes"}
    for _, rec in projects.iterrows():
        rows = {label: value for label, value in measure_details(rec, "en") if label not in quoted}
        assert {k: v for k, v in rows.items() if cjk.search(str(v))} == {}, rec["id"]
    by_id = projects.set_index("id", drop=False)
    assert dict(measure_details(by_id.loc["A02-02"], "en"))["Place"] == "Nishan Town, Qufu"  # 曲阜尼山
    # A target: the number and the unit's English; a counter (个) says nothing the title does not.
    assert dict(measure_details(by_id.loc["A01-03"], "en"))["Target"] == "10 work lines"
    assert dict(measure_details(by_id.loc["A03-01"], "en"))["Target"] == "35"
    assert dict(measure_details(by_id.loc["A03-01"], "zh"))["目标"] == "35 个"


def test_a_drawn_locations_source_reads_in_the_views_language():
    """Issue 23: a click or drawing keeps its zoom and basemap in the source; the details
    say them in the view's words (no "draw, zoom 12, basemap none" in the Chinese view)."""
    import re

    from layers.selection.details import source_summary

    source = "manual: set by 编辑人员 on 2026-12-05T21:00+00:00 (draw, zoom 12, basemap osm)"
    zh, en = source_summary(source, "zh"), source_summary(source, "en")
    assert "缩放级别 12" in zh and "OpenStreetMap" in zh and "在地图上绘制" in zh
    assert not re.search(r"\b(draw|zoom|basemap)\b", zh)
    assert "zoom 12" in en and "basemap: OpenStreetMap" in en and "draw a point, line or area" in en
