"""Briefing packs with progress (issue 22): what a pack holds (cover and statistics only where
they add something, pages per 责任单位, a unit's pack), the 作战图 and 变化情况 pages in the PDF
and the deck, made from the fictional demo progress (bench/demo_progress.py) over the real
register, and from the command line. Every printed page is read back with pdftotext: no two
words overlap, nothing leaves the page."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

from layers import load_projects
from layers.edits.store import Store
from layers.exports.pack import contents, pack_pdf
from layers.exports.pack_deck import pack_pptx
from layers.geo.actions import load_actions
from layers.progress.briefing import from_store
from layers.selection.filtering import Filters, filter_projects
from tests.pdfwords import outside, overlaps, printed_words

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from demo_progress import fill_demo  # noqa: E402

ASOF, SINCE = dt.date(2020, 12, 31), dt.date(2020, 11, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The real register and a store of fictional progress for all of it."""
    projects = load_projects()
    path = tmp_path_factory.mktemp("demo") / "store.sqlite"
    with Store(path) as store:
        fill_demo(store, list(projects["id"]), ASOF)
    return projects, path


def briefing_of(demo, sel, since=SINCE):
    with Store(demo[1], read_only=True) as store:
        return from_store(store, list(sel["id"]), ASOF, since)


def pages_text(pdf) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def test_a_pack_has_a_cover_and_statistics_only_where_they_add_something(demo):
    projects = demo[0]
    b = briefing_of(demo, projects)
    one = filter_projects(projects, Filters((3,)))
    c = contents(one, Filters((3,)), b)
    assert (c.cover, c.stats, c.actions) == (False, False, [3])
    c = contents(filter_projects(projects, Filters((3, 4))), Filters((3, 4)), b)
    assert (c.cover, c.stats, c.actions) == (True, True, [3, 4])
    assert sorted(c.units) == sorted({b.rows.loc[i, "unit"] for i in c.selected["id"] if i in b.rows.index})
    unit = next(u for u in b.units() if set(b.ids_of_unit(u)) & set(one["id"]))
    c = contents(one, Filters((3,)), b, unit)
    assert c.cover and not c.stats and c.units == []  # the unit's name is on its cover
    assert set(c.selected["id"]) == set(b.ids_of_unit(unit)) & set(one["id"])
    assert c.unit in c.subtitle("zh")


def test_an_unknown_unit_is_refused_naming_the_units_there_are(demo):
    projects = demo[0]
    b = briefing_of(demo, projects)
    with pytest.raises(ValueError) as err:
        contents(projects, Filters(), b, "不存在的单位")
    assert "不存在的单位" in str(err.value) and b.units()[0] in str(err.value)


@pytest.mark.parametrize("layout, lang", [("a4", "zh"), ("a4", "en"), ("16x9", "zh"), ("16x9", "en")])
def test_the_pdf_pack_with_progress_has_battle_and_changes_pages_and_nothing_overprints(demo, tmp_path, layout, lang):
    projects = demo[0]
    f = Filters((1, 3))
    sel = filter_projects(projects, f)
    b = briefing_of(demo, sel)
    pdf = pack_pdf(sel, tmp_path / "p.pdf", f, layout, lang=lang, briefing=b, colour_by="progress")
    texts = pages_text(pdf)
    heads = ("变化情况", "责任单位") if lang == "zh" else ("Changes since", "Responsible unit")
    assert any(heads[0] in t for t in texts[:2])  # after the cover
    assert sum(("形象进度" if lang == "zh" else "Progress") in t for t in texts) >= 2  # the actions' 作战图
    units = {b.rows.loc[i, "unit"] for i in sel["id"] if i in b.rows.index}
    for u in units:  # a page per unit
        assert any(heads[1] in t and u in t for t in texts), u
    assert not any(("措施数量" if lang == "zh" else "Measures by action") in t for t in texts[:-1])
    counted = 0
    for n in range(1, len(texts) + 1):
        page = tmp_path / f"page{n}.pdf"
        subprocess.run(["pdfseparate", "-f", str(n), "-l", str(n), str(pdf), str(page)], check=True)
        width, height, words = printed_words(page)
        assert overlaps(words) == [] and outside(words, width, height) == [], (layout, lang, n)
        counted += len(words)
    assert counted > 500
    print(f"{layout} {lang}: {len(texts)} pages, {counted} words, 0 overlaps")


def test_a_units_pack_holds_only_its_measures_with_its_name_on_the_cover(demo, tmp_path):
    projects = demo[0]
    b = briefing_of(demo, projects, since=None)
    unit = b.units()[1]
    pdf = pack_pdf(projects, tmp_path / "u.pdf", Filters(), "a4", briefing=b, unit=unit)
    text = "".join(pages_text(pdf))
    assert unit in pages_text(pdf)[0]
    mine = set(b.ids_of_unit(unit))
    others = [i for i in b.rows.index if i not in mine]
    titles = dict(zip(projects["id"], projects["title_zh"], strict=True))
    for i in mine:
        assert titles[i][:8] in text.replace("\n", "").replace(" ", ""), i
    missing = [i for i in others if titles[i][:12] not in text.replace("\n", "").replace(" ", "")]
    assert len(missing) >= len(others) - 3  # (a short title can be a part of another)


def test_the_deck_with_progress_has_a_native_battle_slide_per_action_and_a_changes_slide(demo, tmp_path):
    projects = demo[0]
    f = Filters((3, 4))
    sel = filter_projects(projects, f)
    b = briefing_of(demo, sel)
    prs = Presentation(pack_pptx(sel, tmp_path / "d.pptx", f, briefing=b))
    titles = [next(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in prs.slides]
    assert titles[1].startswith("变化情况")
    assert any(t.startswith("城 3.") or "3." in t for t in titles[2:4])
    tables = [sh for s in prs.slides for sh in s.shapes if sh.has_table]
    headers = {tuple(c.text for c in t.table.rows[0].cells) for t in tables}
    assert any("形象进度" in h for h in headers)
    pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
    assert len(pictures) <= 3  # the cover's and the two actions' maps; the timelines are shapes


def test_the_cli_makes_a_units_pack_since_a_date_and_refuses_an_unknown_unit(demo, tmp_path):
    env = {**os.environ, "JINING_STORE": str(demo[1])}
    unit = briefing_of(demo, demo[0], since=None).units()[0]
    out = tmp_path / "u.pdf"
    cmd = [sys.executable, "-m", "layers", "export", "--format", "pack-pdf", "--asof", "2020-12-31"]
    res = subprocess.run(
        [*cmd, "--since", "2020-11-30", "--unit", unit, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    texts = pages_text(out)
    assert unit in texts[0] and "变化情况" in texts[1]
    res = subprocess.run(
        [*cmd, "--unit", "没有这个单位", "--out", str(tmp_path / "x.pdf")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 2 and "没有这个单位" in res.stderr and unit in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "x.pdf").exists()


def test_the_html_export_coloured_by_progress_has_the_lights_legend(demo):
    from layers.exports.html_page import render_html
    from layers.labels import LIGHT_WORDS
    from layers.progress.store import lights_asof
    from layers.progress.view import light_counts, with_lights

    projects = demo[0]
    with Store(demo[1], read_only=True) as store:
        sel = with_lights(projects, lights_asof(store, list(projects["id"]), ASOF), ASOF)
    by_light = render_html(sel, Filters(), colour_by="progress")
    by_action = render_html(sel, Filters())
    counts = light_counts(sel)
    shown = [code for code, n in counts.items() if n]
    assert len(shown) >= 4
    for code in shown:
        assert LIGHT_WORDS[code]["zh"] in by_light, code
    assert LIGHT_WORDS["red"]["zh"] not in by_action


def test_without_progress_the_actions_with_no_map_share_a_table_instead_of_half_empty_pages(tmp_path):
    projects = load_projects()
    drawn = projects.geometry.notna() | (projects["form"] == "county")
    mapless = sorted(set(projects["action"]) - set(projects.loc[drawn, "action"]))
    assert len(mapless) >= 2  # the register has such actions (1 and 5-9 when this was written)
    texts = pages_text(pack_pdf(projects, tmp_path / "p.pdf", Filters(), "a4"))
    heading = f"无单一地点的措施(行动 {'、'.join(map(str, mapless))})"
    assert sum(heading in t for t in texts) == 1
    names = load_actions().loc[mapless, "name_zh"]
    for a, name in zip(mapless, names, strict=True):
        assert not any(t.strip().startswith(f"{a}. {name}") for t in texts), a  # no page of its own
    flat = "".join(texts).replace("\n", "").replace(" ", "")
    for title in projects.loc[projects["action"].isin(mapless), "title_zh"]:
        assert title.replace(" ", "")[:10] in flat, title
    assert len(texts) < 2 + len(set(projects["action"]))  # fewer pages than one per action
