"""The steps of ``render_map``, one at a time: each takes the page being drawn (a ``Sheet``)
and does one thing, so each is checked here on its own."""

from __future__ import annotations

import shapely

from layers import load_counties, load_projects
from layers.exports.print_base import TILES_NOT_FOR_PRINT
from layers.exports.print_map import (
    KEY_LIMIT,
    base_map,
    features,
    fit_view,
    footer,
    frame,
    heading,
    inner_view,
    key,
    numbers,
    tiles,
)
from layers.exports.print_page import OVERFLOW_NOTE, setup_fonts
from layers.geo.coords import GK_CRS
from layers.selection.filtering import Filters
from layers.selection.numbering import measure_numbers

PROJECTS = load_projects()


def _sheet(selected, filters=None, layout="a4", lang="zh", table="drawn", size=None, summary=False):
    setup_fonts()
    return frame(selected, filters or Filters(), layout, lang, table, size, summary)


def test_frame_decides_what_the_page_holds():
    citywide = PROJECTS[PROJECTS["action"] == 8]  # nothing of it has a place
    s = _sheet(citywide)
    assert s.citywide_only and s.has_table and s.table == "all" and not s.summary
    assert s.ax.get_position(original=True).width < 0.35  # a small city map beside a wide table
    s = _sheet(PROJECTS, table="none")
    assert not s.has_table and s.rest == len(PROJECTS) - len(s.drawn) > 0
    assert s.ax.get_position(original=True).width > 0.9  # the whole width, a line left for the note
    many = PROJECTS[PROJECTS.geometry.notna()]
    s = _sheet(many, summary=len(many) > KEY_LIMIT)
    assert s.summary == (len(many) > KEY_LIMIT) and not s.citywide_only


def test_fit_view_zooms_to_the_chosen_district():
    counties = load_counties().to_crs(GK_CRS)
    adcode = counties["adcode"].iloc[0]
    f = Filters(districts=(adcode,))
    s = _sheet(PROJECTS, f)
    base_map(s)
    fit_view(s)
    (x0, x1), (y0, y1) = s.ax.get_xlim(), s.ax.get_ylim()
    district = counties[counties["adcode"] == adcode].geometry.iloc[0]
    city = shapely.union_all(counties.geometry.values)
    assert shapely.box(x0, y0, x1, y1).contains(district)
    assert (x1 - x0) < (city.bounds[2] - city.bounds[0])  # zoomed in, not the whole city
    view = inner_view(s.ax)
    assert view.area < (x1 - x0) * (y1 - y0) and shapely.box(x0, y0, x1, y1).contains(view)


def test_features_give_one_anchor_per_place_and_numbers_name_every_measure():
    s = _sheet(PROJECTS)
    base_map(s)
    fit_view(s)
    anchors, order = features(s, inner_view(s.ax))
    assert [k for k, _ in order] == list(anchors)  # each anchor once, in drawing order
    ids = [i for group in anchors.values() for i in group]
    assert len(ids) == len(set(ids)) and set(ids) <= set(s.drawn["id"])
    number, texts = numbers(s, anchors, order)
    shown = sorted(int(n) for _, t in texts for n in t.split(","))
    assert shown == sorted(number[i] for i in ids)
    assert len(s.ax.collections) > 2  # the batches were drawn


def test_numbers_are_left_out_of_a_summary_map():
    s = _sheet(PROJECTS, summary=True)
    base_map(s)
    fit_view(s)
    anchors, order = features(s, inner_view(s.ax))
    assert numbers(s, anchors, order) == ({}, [])


def test_the_key_returns_what_does_not_fit_and_says_where_it_continues():
    s = _sheet(PROJECTS, table="all", size=(6, 3))  # a small page: the key overflows
    before = len(s.fig.texts)
    overflow = key(s, measure_numbers(s.sel), continued=True)
    assert overflow and len(overflow) < len(s.sel)
    notes = [t.get_text() for t in s.fig.texts[before:]]
    assert OVERFLOW_NOTE["next"]["zh"].format(n=len(overflow)) in notes


def test_tiles_not_for_print_leave_a_note_and_no_credit():
    s = _sheet(PROJECTS[PROJECTS["action"] == 4], lang="en")
    base_map(s)
    fit_view(s)
    assert tiles(s, "gaode", None) == ""
    assert TILES_NOT_FOR_PRINT["en"] in [t.get_text() for t in s.ax.texts]
    assert tiles(s, "none", None) == "" and len(s.ax.images) == 0


def test_the_footer_credits_the_tiles_after_the_sources():
    s = _sheet(PROJECTS, lang="en", layout="16x9")
    heading(s, "Title", "what is shown", "X-1")
    footer(s, "© OpenStreetMap contributors")
    text = s.footer.get_text().replace("\n", " ")
    assert text.startswith("Data as of March 2020") and text.endswith("© OpenStreetMap contributors")
    assert [t.get_text() for t in s.fig.texts[:2]] == ["Title", "what is shown"]
    assert "Approval no. X-1" in s.fig.texts[3].get_text()
