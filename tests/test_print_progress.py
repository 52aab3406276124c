"""The printed 作战图 and 变化情况 pages (layers/exports/print_progress.py): nothing overprints
or leaves the page, in Chinese and English, with and without the map picture; every measure
and change is listed, long lists continue with their header, counts match the changes."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pdfwords import outside, overlaps, printed_words

from layers import load_projects
from layers.edits.store import Store
from layers.exports import pack
from layers.exports.battle import BATTLE_HEADER, battle_rows
from layers.exports.print_map import render_map
from layers.exports.print_progress import battle_figures, changes_figures, month_labels
from layers.exports.print_table import Measure
from layers.progress.briefing import from_store
from layers.progress.view import CHANGE_COLUMNS
from layers.selection.filtering import Filters

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from demo_progress import fill_demo  # noqa: E402

ASOF, SINCE = dt.date(2020, 12, 31), dt.date(2020, 11, 30)
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
HEADING = {"zh": ("1. 作战图", "行动一:全部措施"), "en": ("1. Battle map", "Action 1: all measures")}


@pytest.fixture(scope="module")
def projects():
    return load_projects()


@pytest.fixture(scope="module")
def briefing(projects, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("store") / "s.sqlite")
    ids = list(projects["id"])
    fill_demo(store, ids, ASOF)
    return from_store(store, ids, ASOF, since=SINCE)


@pytest.fixture(scope="module")
def pictures(projects):
    """The map of action 1 as a picture, per language (as a slide's map is made)."""
    part = projects[projects["action"] == 1]
    to_png = getattr(pack, "map_png", None) or pack._map_png
    out = {}
    for lang in ("zh", "en"):
        page = render_map(part, Filters((1,)), "a4", "", subtitle="", lang=lang, table="none", size=(5, 5))
        out[lang] = to_png(page)
    return out


def _rows(briefing, projects, lang, action=1):
    part = projects if action is None else projects[projects["action"] == action]
    return battle_rows(briefing, part, {i: n + 1 for n, i in enumerate(part["id"])}, lang)


def _printed(fig, path):
    with PdfPages(path) as pdf:
        pdf.savefig(fig)
    return printed_words(path)


def _check_clean(width, height, words):
    assert words
    assert overlaps(words) == []
    assert outside(words, width, height) == []
    # The stamp's place (the right quarter of the page's last 4 %) stays free.
    assert [w[0] for w in words if w[1] > 0.75 * width and w[4] > 0.96 * height] == []


def _has_start(words, text: str) -> bool:
    """Whether a printed word starts with the first word (at most 3 characters) of ``text``."""
    start = text.split()[0][:3]
    return any(w[0].startswith(start) for w in words)


@pytest.mark.parametrize("with_picture", [True, False])
@pytest.mark.parametrize("layout", ["a4", "16x9"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_battle_page_never_overprints_and_lists_every_measure(
    briefing, projects, pictures, tmp_path, lang, layout, with_picture
):
    rows = _rows(briefing, projects, lang)
    picture = pictures[lang] if with_picture else None
    figs = battle_figures(rows, *HEADING[lang], layout, lang, ASOF, briefing.rules, picture)
    assert len(figs) == 1
    assert len(figs[0].axes) == (1 if with_picture else 0)
    width, height, words = _printed(figs[0], tmp_path / "battle.pdf")
    _check_clean(width, height, words)
    for row in rows:
        assert _has_start(words, row.cells[1]), row.cells[1]
    for head in BATTLE_HEADER[lang]:
        assert _has_start(words, head), head
    text = " ".join(w[0] for w in words)
    assert ("截至 12月31日" if lang == "zh" else "As of 31 Dec") in text
    assert ("2021年" if lang == "zh" else "2021") in text


def test_an_english_page_prints_chinese_only_in_its_data(briefing, projects, pictures, tmp_path):
    rows = _rows(briefing, projects, "en")
    figs = battle_figures(rows, *HEADING["en"], "a4", "en", ASOF, briefing.rules, pictures["en"])
    _w, _h, words = _printed(figs[0], tmp_path / "en.pdf")
    cells = [c for r in rows for c in r.cells]
    chinese = [w[0] for w in words if CJK.search(w[0])]
    assert chinese  # the demo's units and milestones are Chinese data
    assert [w for w in chinese if not any(w in c for c in cells)] == []
    text = " ".join(w[0] for w in words)
    for legend in ("planned span", "milestone met", "milestone overdue", "well behind"):
        assert legend in text


def test_the_timeline_draws_every_milestone_and_marks_the_overdue(briefing, projects):
    rows = _rows(briefing, projects, "zh", action=4)
    fig = battle_figures(rows, *HEADING["zh"], "a4", "zh", ASOF, briefing.rules)[0]
    diamonds = [a for a in fig.artists if isinstance(a, Line2D) and a.get_marker() == "D"]
    legend = 3  # met, open, overdue in the legend
    milestones = [m for r in rows for m in r.milestones]
    assert len(diamonds) == len(milestones) + legend
    overdue = [m for m in milestones if m[1] < ASOF and (m[2] is None or m[2] > ASOF)]
    assert overdue
    red = [d for d in diamonds if d.get_markeredgecolor() == "#d7261e"]
    assert len(red) == len(overdue) + 1
    bar = to_rgb("#b9cde6")
    bars = [a for a in fig.artists if isinstance(a, Rectangle) and a.get_facecolor()[:3] == bar]
    assert len(bars) == sum(1 for r in rows if r.start and r.end) + 1


def test_a_long_list_continues_with_its_header_on_every_page(briefing, projects, tmp_path):
    rows = _rows(briefing, projects, "zh", action=None)
    assert len(rows) == len(projects)
    figs = battle_figures(rows, "作战图", "", "a4", "zh", ASOF, briefing.rules)
    assert len(figs) > 1
    everything = []
    for n, fig in enumerate(figs):
        width, height, words = _printed(fig, tmp_path / f"p{n}.pdf")
        _check_clean(width, height, words)
        for head in BATTLE_HEADER["zh"]:
            assert _has_start(words, head), (n, head)
        assert any("(续)" in w[0] for w in words) == (n > 0)
        assert any(w[0].startswith("截至") for w in words)
        everything += words
    for row in rows:
        assert _has_start(everything, row.cells[1]), row.cells[1]


def _count_beside(words, label: str) -> int:
    """The number printed right of the topmost occurrence of ``label``'s last word."""
    last = label.split()[-1]
    found = min((w for w in words if w[0] == last), key=lambda w: w[2])
    middle = (found[2] + found[4]) / 2
    right = [w for w in words if w[1] > found[3] and w[2] < middle < w[4] and w[0].isdigit()]
    return int(min(right, key=lambda w: w[1])[0])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_changes_page_lists_each_change_and_counts_them(briefing, projects, tmp_path, lang):
    titles = dict(zip(projects["id"], projects["title_zh" if lang == "zh" else "title_en"], strict=True))
    heading = ("变化情况", "全部措施") if lang == "zh" else ("Changes", "All measures")
    figs = changes_figures(briefing, titles, *heading, "a4", lang)
    pages = [_printed(fig, tmp_path / f"c{n}.pdf") for n, fig in enumerate(figs)]
    words = [w for _w, _h, page in pages for w in page]
    for width, height, page in pages:
        _check_clean(width, height, page)
        for head in CHANGE_COLUMNS[lang]:
            assert _has_start(page, head)
    printed = {w[0] for w in words}
    assert {c["id"] for c in briefing.changes} <= printed
    for c in briefing.changes:
        assert _has_start(words, titles[c["id"]])
    kinds = Counter(c["kind"] for c in briefing.changes)
    labels = {
        "zh": ["进度灯变化", "节点完成", "节点新逾期", "转为未报告", "新报告"],
        "en": ["lights changed", "milestones met", "milestones newly overdue", "gone unreported", "new reports"],
    }[lang]
    first = pages[0][2]
    expected = [kinds["light"], kinds["milestone_met"], kinds["milestone_overdue"], kinds["stale"]]
    assert [_count_beside(first, label) for label in labels] == [*expected, briefing.reports["total"]]
    text = " ".join(w[0] for w in first)
    assert ("2020-12-01 至 2020-12-31" if lang == "zh" else "1 Dec 2020 to 31 Dec 2020") in text
    if lang == "en":  # the page's own texts above the table (heading, period, counts) are English
        header = min((w for w in first if w[0] == "date"), key=lambda w: w[2])
        assert [w[0] for w in first if w[4] <= header[2] and CJK.search(w[0])] == []


def test_light_changes_are_shown_in_the_lights_colours(briefing, projects):
    titles = dict(zip(projects["id"], projects["title_zh"], strict=True))
    changes = [c for c in briefing.changes if c["kind"] == "light"]
    assert changes
    fig = changes_figures(replace(briefing, changes=changes), titles, "变化情况", "", "a4", "zh")[0]
    boxes = Counter(a.get_facecolor()[:3] for a in fig.artists if isinstance(a, Rectangle))
    wanted = Counter(c[k] for c in changes for k in ("from", "to"))
    for code, n in wanted.items():
        assert boxes[tuple(to_rgb(briefing.rules.colour(code)))] >= n, code


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_period_without_changes_says_so(briefing, tmp_path, lang):
    quiet = replace(briefing, changes=[], reports={"total": 0, "by_measure": {}})
    figs = changes_figures(quiet, {}, "变化情况" if lang == "zh" else "Changes", "", "a4", lang)
    assert len(figs) == 1
    _w, _h, words = _printed(figs[0], tmp_path / "quiet.pdf")
    text = " ".join(w[0] for w in words)
    assert ("本期无变化" if lang == "zh" else "No change in this period") in text


def test_the_changes_page_needs_a_period(briefing):
    with pytest.raises(ValueError):
        changes_figures(replace(briefing, since=None), {}, "变化情况", "", "a4", "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_month_labels_never_touch_and_stay_inside(briefing, lang):
    from layers.exports.print_page import new_figure

    measure = Measure(new_figure((4, 3)))
    for width in (60.0, 150.0, 400.0):
        labels = month_labels(dt.date(2019, 3, 1), dt.date(2023, 8, 31), 100.0, 100.0 + width, 7, measure, lang)
        if not labels:  # too narrow for any: only the years line is labelled
            assert width < 100
            continue
        ends = [x + measure(text, 7) for x, text in labels]
        assert all(a < b for a, b in zip(ends, [x for x, _ in labels][1:], strict=False))
        assert ends[-1] <= 100.0 + width and labels[0][0] >= 100.0
