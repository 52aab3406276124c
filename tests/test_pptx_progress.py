"""The deck's native 作战图 and 变化情况 slides (layers/exports/pptx_progress.py), on the
FICTIONAL demo progress of bench/demo_progress.py, reopened with python-pptx."""

import dataclasses
import datetime as dt
import io
import re
import sys
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.dml import MSO_FILL
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE
from pptx.util import Emu

from layers import load_projects
from layers.edits.store import Store
from layers.exports.battle import BATTLE_HEADER, battle_rows, fraction, timeline_span
from layers.exports.fonts import find_cjk_font
from layers.exports.pptx_deck import SLIDE_H, SLIDE_W, STAMP_W, Deck
from layers.exports.pptx_progress import battle_slides, changes_slides
from layers.progress.briefing import from_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from demo_progress import fill_demo  # noqa: E402

ASOF, SINCE = dt.date(2020, 12, 31), dt.date(2020, 11, 30)
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
STAMP_H = 2 * 9 * 1.25 / 72 + 0.12  # the stamp's lines (pptx_deck) and the margin under them


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):
    projects = load_projects()
    store = Store(tmp_path_factory.mktemp("store") / "s.sqlite")
    ids = list(projects["id"])
    fill_demo(store, ids, ASOF)
    return projects, from_store(store, ids, ASOF, since=SINCE)


def png_picture() -> tuple[bytes, float]:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (400, 500), "#88aacc").save(buf, format="PNG")
    return buf.getvalue(), 400 / 500


def battle_deck(briefing, lang, tmp_path, action=4, picture=True):
    projects, b = briefing
    part = projects[projects["action"] == action]
    rows = battle_rows(b, part, {i: n for n, i in enumerate(part["id"], 1)}, lang)
    # A milestone met only after the as-of date: open (and overdue) on the slide.
    late = ("late", ASOF - dt.timedelta(days=10), ASOF + dt.timedelta(days=5))
    rows[0] = dataclasses.replace(rows[0], milestones=[*rows[0].milestones, late])
    deck = Deck(lang, find_cjk_font())
    heading = "作战图" if lang == "zh" else "Battle map"
    battle_slides(deck, rows, heading, heading, [("footer", 9)], ASOF, b.rules, png_picture() if picture else None)
    deck.number_slides(lambda n, total: [f"{n}/{total}"])
    deck.prs.save(tmp_path / f"battle_{lang}.pptx")
    return rows, Presentation(tmp_path / f"battle_{lang}.pptx")


def inches(v) -> float:
    return Emu(v).inches


def named(slide, prefix):
    return [sh for sh in slide.shapes if sh.name.startswith(prefix)]


def table_of(slide):
    tables = [sh for sh in slide.shapes if sh.has_table]
    assert len(tables) == 1
    return tables[0]


def bands(table) -> list[tuple[float, float]]:
    """Each table row's top and bottom, inches, from the table's top and row heights."""
    out, y = [], table.top
    for row in table.table.rows:
        out.append((inches(y), inches(y + row.height)))
        y += row.height
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_battle_table_is_native_one_row_per_measure_in_order(briefing, lang, tmp_path):
    rows, prs = battle_deck(briefing, lang, tmp_path)
    slides = list(prs.slides)
    assert len(slides) >= 2  # 13 measures with a map beside them continue on a second slide
    seen = []
    for slide in slides:
        cells = [[c.text for c in r.cells] for r in table_of(slide).table.rows]
        assert cells[0] == BATTLE_HEADER[lang]
        seen += [r[0] for r in cells[1:]]
    assert seen == [r.cells[0] for r in rows]
    assert slides[1].shapes[0].text_frame.text.endswith(("(续)", " (continued)"))


def test_light_cells_take_the_light_colour(briefing, tmp_path):
    rows, prs = battle_deck(briefing, "zh", tmp_path)
    by_number = {r.cells[0]: r for r in rows}
    for slide in prs.slides:
        for r in list(table_of(slide).table.rows)[1:]:
            cell = r.cells[3]
            want = briefing[1].rules.colour(by_number[r.cells[0].text].light).lstrip("#").upper()
            assert str(cell.fill.fore_color.rgb) == want


def test_gantt_is_shapes_aligned_with_the_table_rows(briefing, tmp_path):
    rows, prs = battle_deck(briefing, "zh", tmp_path)
    first, last = timeline_span(rows, ASOF)
    by_number = {r.cells[0]: r for r in rows}
    checked = 0
    for n, slide in enumerate(prs.slides):
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert [p.name for p in pictures] == (["Map"] if n == 0 else [])
        table = table_of(slide)
        (frame,) = named(slide, "gantt frame")
        gx, gw = inches(frame.left), inches(frame.width)
        assert gx >= inches(table.left + table.width)  # beside the table
        row_bands = bands(table)
        for (top, bottom), tr in zip(row_bands[1:], list(table.table.rows)[1:], strict=True):
            row = by_number[tr.cells[0].text]
            bars = named(slide, f"gantt bar {row.id}")
            assert len(bars) == (1 if row.start and row.end else 0)
            for bar in bars:
                assert bar.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE
                assert top <= inches(bar.top) and inches(bar.top + bar.height) <= bottom
                assert gx - 1e-3 <= inches(bar.left) and inches(bar.left + bar.width) <= gx + gw + 1e-3
                assert inches(bar.left) == pytest.approx(gx + fraction(row.start, first, last) * gw, abs=0.01)
                checked += 1
            diamonds = named(slide, f"gantt milestone {row.id} ")
            assert len(diamonds) == len(row.milestones)
            for shape, (_name, due, met) in zip(diamonds, row.milestones, strict=True):
                assert shape.auto_shape_type == MSO_SHAPE.DIAMOND
                assert top <= inches(shape.top) and inches(shape.top + shape.height) <= bottom
                filled = shape.fill.type == MSO_FILL.SOLID  # no fill: MSO_FILL.BACKGROUND
                assert filled == (met is not None and met <= ASOF)
                red = str(shape.line.color.rgb) == "D7261E"
                assert red == (due < ASOF and not (met is not None and met <= ASOF))
        (line,) = [sh for sh in slide.shapes if sh.name == "gantt asof"]
        assert inches(line.left) == pytest.approx(gx + fraction(ASOF, first, last) * gw, abs=0.01)
        assert inches(line.top) == pytest.approx(row_bands[0][0], abs=0.01)
        assert inches(line.top + line.height) == pytest.approx(row_bands[-1][1], abs=0.01)
        (label,) = named(slide, "gantt asof label")
        assert label.text_frame.text == "截至 12月31日"
    assert checked == sum(1 for r in rows if r.start and r.end) > 0


def test_milestone_states_all_appear(briefing):
    """The demo data has met, open and overdue milestones, so the diamond test checks each."""
    projects, b = briefing
    rows = battle_rows(b, projects[projects["action"] == 4], {}, "zh")
    states = {(met is not None and met <= ASOF, due < ASOF) for r in rows for _n, due, met in r.milestones}
    assert {(True, True), (False, True), (False, False)} <= states


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_shape_inside_the_slide_and_out_of_the_stamp_corner(briefing, lang, tmp_path):
    _rows, prs = battle_deck(briefing, lang, tmp_path, action=1)
    for slide in prs.slides:
        for sh in slide.shapes:
            left, top = inches(sh.left), inches(sh.top)
            right, bottom = left + inches(sh.width), top + inches(sh.height)
            assert 0 <= left and right <= SLIDE_W + 1e-3 and 0 <= top and bottom <= SLIDE_H + 1e-3, sh.name
            if sh.name != "Page":
                in_corner = right > SLIDE_W - 0.3 - STAMP_W and bottom > SLIDE_H - STAMP_H
                assert not in_corner, sh.name


def test_english_deck_texts_have_no_chinese(briefing, tmp_path):
    _rows, prs = battle_deck(briefing, "en", tmp_path)
    for slide in prs.slides:
        texts = [c.text for c in table_of(slide).table.rows[0].cells]
        texts += [
            sh.text_frame.text
            for sh in slide.shapes
            if sh.has_text_frame and sh.name.startswith(("gantt ", "legend ", "Title"))
        ]
        assert "As of 31 Dec" in texts
        assert any(t == "planned span" for t in texts)
        assert not [t for t in texts if CJK.search(t)]
        legend = {sh.name for sh in named(slide, "legend ")}
        assert {"legend bar", "legend met", "legend open", "legend overdue"} <= legend


def test_battle_without_rows_or_picture(briefing, tmp_path):
    deck = Deck("zh", find_cjk_font())
    battle_slides(deck, [], "作战图", "", [], ASOF, briefing[1].rules)
    assert len(deck.prs.slides) == 1
    shapes = list(deck.prs.slides[0].shapes)
    assert not [sh for sh in shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(table_of(deck.prs.slides[0]).table.rows) == 1


def changes_deck(b, lang, tmp_path, projects):
    deck = Deck(lang, find_cjk_font())
    titles = dict(zip(projects["id"], projects["title_zh" if lang == "zh" else "title_en"], strict=True))
    changes_slides(deck, b, titles, "变化情况" if lang == "zh" else "Changes", "", [("footer", 9)])
    deck.prs.save(tmp_path / f"changes_{lang}.pptx")
    return Presentation(tmp_path / f"changes_{lang}.pptx")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_changes_slide_counts_and_rows(briefing, lang, tmp_path):
    projects, b = briefing
    assert b.changes
    prs = changes_deck(b, lang, tmp_path, projects)
    text = next(sh for sh in prs.slides[0].shapes if sh.name == "Counts").text_frame.text
    numbers = [int(n) for n in re.findall(r"(?<![\d-])(\d+)(?![\d-])", text.split("\n", 1)[1])]
    kinds = ["light", "milestone_met", "milestone_overdue", "stale"]
    assert numbers == [sum(c["kind"] == k for c in b.changes) for k in kinds] + [b.reports["total"]]
    assert SINCE.isoformat() in text and ASOF.isoformat() in text
    ids = [r.cells[1].text for s in prs.slides for t in s.shapes if t.has_table for r in list(t.table.rows)[1:]]
    assert ids == [c["id"] for c in b.changes]
    if lang == "en":
        own = [text] + [c.text for s in prs.slides for t in s.shapes if t.has_table for c in t.table.rows[0].cells]
        assert not [t for t in own if CJK.search(t)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_changes_slide_empty_period_and_no_period(briefing, lang, tmp_path):
    projects, b = briefing
    quiet = dataclasses.replace(b, changes=[], reports={"total": 0, "by_measure": {}})
    prs = changes_deck(quiet, lang, tmp_path, projects)
    assert len(prs.slides) == 1
    assert not [sh for sh in prs.slides[0].shapes if sh.has_table]
    text = next(sh for sh in prs.slides[0].shapes if sh.name == "Counts").text_frame.text
    assert ("本期无变化" if lang == "zh" else "No change in this period") in text
    with pytest.raises(ValueError):
        changes_deck(dataclasses.replace(b, since=None), lang, tmp_path, projects)
