"""Print faults of the static maps that must stay gone (issue 22): county-seat dots under
names, the north arrow touching its letter, Chinese on the English map, the scale bar on
the boundary and number tags far from their features with no leader line. The whole
register's map, A4 and 16:9, Chinese and English."""

from __future__ import annotations

import math
import re

import pytest
import shapely
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox
from pdfwords import printed_words

from layers import load_projects
from layers.exports.print_map import render_map, save
from layers.geo.boundaries import load_counties
from layers.geo.coords import GK_CRS
from layers.selection.filtering import Filters

LAYOUTS = ["a4", "16x9"]
LANGS = ["zh", "en"]
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def real():
    return load_projects()


@pytest.fixture(scope="module")
def pages(real, tmp_path_factory):
    """Each layout and language rendered once to PDF: (page, the PDF's words)."""
    out = {}
    for layout in LAYOUTS:
        for lang in LANGS:
            page = render_map(real, Filters(), layout, lang=lang)
            pdf = save(page, tmp_path_factory.mktemp("faults") / f"{layout}-{lang}.pdf")
            out[layout, lang] = (page, printed_words(pdf))
    return out


def _map(page):
    fig = page.figure
    fig.canvas.draw()  # lay out again on screen: saving the PDF left boxes in its own units
    return fig, fig.axes[0], fig.canvas.get_renderer()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_no_seat_dot_sits_inside_a_name(pages, layout, lang):
    fig, ax, renderer = _map(pages[layout, lang][0])
    seats = next(c for c in ax.collections if c.get_zorder() == 2.4)  # draw_context's seats
    r = math.sqrt(seats.get_sizes()[0]) / 2 * fig.dpi / 72  # the dot's radius, display units
    dots = [Bbox([[x - r, y - r], [x + r, y + r]]) for x, y in ax.transData.transform(seats.get_offsets())]
    names = [t for t in ax.texts if t.get_zorder() in (5, 5.5, 6) and t.get_visible() and t.get_text()]
    assert len(names) >= 11
    hits = [t.get_text() for t in names for d in dots if t.get_window_extent(renderer).overlaps(d)]
    assert hits == [], (layout, lang)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_the_north_arrow_keeps_clear_of_its_letter(pages, layout, lang):
    fig, ax, renderer = _map(pages[layout, lang][0])
    arrow = next(p for p in ax.patches if isinstance(p, FancyArrow))
    tip = arrow.get_window_extent(renderer)
    letter = next(t for t in ax.texts if t.get_text() in ("北 N", "北", "N"))
    gap = (letter.get_window_extent(renderer).y0 - tip.y1) * 72 / fig.dpi
    assert gap >= 1.5, (layout, lang, gap)
    assert letter.get_text() == ("N" if lang == "en" else "北 N")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_english_map_prints_no_chinese(pages, layout):
    _w, _h, words = pages[layout, "en"][1]
    text = " ".join(w[0] for w in words)
    assert "北" not in text and "乡" not in text
    assert [w[0] for w in words if CJK.search(w[0])] == []


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_the_scale_bar_covers_no_boundary(pages, layout, lang):
    fig, ax, renderer = _map(pages[layout, lang][0])
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() >= 20]
    texts = [t for t in ax.texts if t.get_zorder() >= 20 and t.get_text() not in ("北 N", "N")]
    assert len(bars) >= 4
    box = Bbox.union([a.get_window_extent(renderer) for a in [*bars, *texts]])
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([(box.x0, box.y0), (box.x1, box.y1)])
    counties = load_counties().to_crs(GK_CRS)
    lines = shapely.union_all(counties.boundary.values)
    assert not shapely.box(x0, y0, x1, y1).intersects(lines), (layout, lang)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_number_moved_away_has_a_leader_line(pages, layout, lang):
    fig, ax, renderer = _map(pages[layout, lang][0])
    tags = [a for a in ax.texts if isinstance(a, Annotation) and a.get_zorder() == 15]
    assert len(tags) >= 20
    far = []
    for a in tags:
        ax_, ay = ax.transData.transform(a.xy)
        box = a.get_bbox_patch().get_window_extent(renderer)
        dx = max(box.x0 - ax_, 0, ax_ - box.x1)
        dy = max(box.y0 - ay, 0, ay - box.y1)
        if math.hypot(dx, dy) * 72 / fig.dpi > 12 and a.arrow_patch is None:
            far.append(a.get_text())
    assert far == [], (layout, lang)
