"""Static maps for briefings (汇报材料): PNG (300 dpi), PDF (vector) and SVG, A4 landscape or 16:9.

Drawn with matplotlib in CGCS2000 / Gauss-Krüger (EPSG:4548), so the scale bar is
true in kilometres. Every drawn measure gets a number keyed to a table beside the
map; measures at the same spot share one label ("3,4"), placed so that no two labels
overlap (:mod:`layers.exports.print_labels`).

:func:`render_map` is a pipeline of named steps, each a function of its own that takes
the page being drawn (a :class:`Sheet`):

1. :func:`frame`: the figure, what the page holds, the map's axes; :func:`heading`: the
   page's texts;
2. :func:`base_map`: the counties' ground and boundaries; :func:`draw_context`: water, the
   city's outline, seats; :func:`fit_view`: the extent; :func:`tiles`: web tiles under it;
3. :func:`features` (:mod:`layers.exports.print_features`): the measures, batched by style,
   each in its action's colour or, ``colour_by="progress"``, its light's; :func:`county_labels`;
4. :func:`numbers`: a number per label anchor; :func:`citywide_tint` when nothing has a place;
5. :func:`furniture`: legend, scale bar, north arrow, locator;
6. :func:`labels`: numbers and names placed clear of everything (or ``None``: the page is
   drawn again as a summary);
7. :func:`key` and :func:`unplaced_note`: the key table beside the map;
8. :func:`footer`: dates and sources, with the tiles' credit; 截至 (as of) a date when given.

The page set-up and the key table are shared with the packs (:mod:`layers.exports.print_page`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from layers._io import atomic_write
from layers.exports.print_base import HALO, draw_context, draw_counties, tiles_under
from layers.exports.print_features import check_colour_by, colour_of, features
from layers.exports.print_furniture import draw_legend, emptiest_corner, lights, locator, north_arrow, scale_bar
from layers.exports.print_labels import (
    neighbour_names,
    nudge,
    place_labels,
    seat_boxes,
    town_names,
)
from layers.exports.print_page import (
    APPROVAL,
    LAYOUTS,
    MAP_WIDTH,
    NOTES,
    OVERFLOW_NOTE,
    SUMMARY_HEADER,
    SUMMARY_NOTE,
    base_size,
    default_title,
    describe_filters,
    footer_line,
    key_table,
    new_figure,
    setup_fonts,
    stamp,
    stamp_parts,
    summary_rows,
    table_rect,
    wrap_to,
)
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names, load_counties
from layers.geo.coords import GK_CRS
from layers.selection.filtering import ZONES, Filters, zone_shapes
from layers.selection.numbering import drawn_measures, measure_numbers, table_rows

#: Above this many features on one map, numbering them would bury the map: it shows plain
#: markers and a count per action instead (the app's large-selection mode does the same).
KEY_LIMIT = 80


@dataclass
class MapPage:
    """A rendered map page: the figure and what the tests check."""

    figure: Figure
    numbered: list[tuple[str, list[str]]]  # (label text, measure ids)
    label_boxes: list[Bbox]
    #: Key rows that did not fit on the page (a pack continues them on further pages).
    overflow: list[list[str]] = field(default_factory=list)


@dataclass
class Sheet:
    """A map page while the steps of :func:`render_map` draw it: the figure, the map's axes
    and what the page holds, as :func:`frame` decided it."""

    fig: Figure
    ax: Axes
    layout: str
    lang: str
    base: float  # body text size, points
    filters: Filters
    actions: pd.DataFrame
    names: dict  # county adcode -> name, in the page's language
    counties: gpd.GeoDataFrame  # EPSG:4548
    sel: gpd.GeoDataFrame  # the selection, EPSG:4548
    drawn: gpd.GeoDataFrame  # the measures with a place on the map
    table: str  # "drawn", "all" or "none" (nothing to place: "all")
    has_table: bool
    citywide_only: bool  # nothing to place: a small tinted city map beside a wide table
    summary: bool  # plain markers, a count per action as the key
    rest: int  # selected measures not drawn
    colour_by: str = "action"  # what the measures are coloured by: "action" or "progress" (lights)
    asof: dt.date | None = None  # the date the page (and its lights) are as of
    footer: Text | None = None  # the footer line, filled in last (:func:`footer`)


def render_map(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    layout: str = "a4",
    title: str | None = None,
    subtitle: str | None = None,
    approval_no: str = "",
    lang: str = "zh",
    table: str = "drawn",
    size: tuple[float, float] | None = None,
    summary: bool = False,
    basemap: str = "none",
    tdt_key: str | None = None,
    continued: bool = False,
    asof: dt.date | None = None,
    colour_by: str = "action",
) -> MapPage:
    """Draw the selection on one page with legend, numbered table, scale bar and north arrow.

    ``table``: ``"drawn"`` keys the numbered features, ``"all"`` also lists the
    measures with no single place (numbered "–"), ``"none"`` leaves the table out
    (the map then takes the whole width). ``size`` overrides the layout's inches.
    With more than ``KEY_LIMIT`` features, or when some number finds no free place
    (``summary``), the map shows plain markers and the key counts measures per action.
    ``basemap`` "osm" or "tianditu" puts web tiles under the map when they can be had;
    otherwise (and for any other basemap) the offline base map is drawn, with a note on
    the map when tiles were asked for and could not be used. ``continued``: key rows that
    do not fit are said to continue on the next page (a pack prints them there with
    :func:`continuation_pages`), not to be found in the register. ``asof``: the page says
    截至 that date (As of …) at the right of its foot. ``colour_by``: ``"action"`` colours each
    measure by its action; ``"progress"`` by its light (the ``light`` column that
    :func:`layers.progress.view.with_lights` joins; none counts as no plan), the legend then
    listing the lights on the page with their counts under 进度(截至 ``asof``).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    check_colour_by(colour_by)
    filters = filters or Filters()
    setup_fonts()
    s = frame(selected, filters, layout, lang, table, size, summary, colour_by, asof)
    shown = subtitle if subtitle is not None else describe_filters(filters, len(selected), lang)
    heading(s, title or default_title(lang), shown, approval_no)
    base_map(s)
    draw_context(s.ax)
    fit_view(s)
    attribution = tiles(s, basemap, tdt_key)
    view = inner_view(s.ax)
    anchors, order = features(s, view)
    county_labels(s, view)
    number, texts = numbers(s, anchors, order)
    if s.citywide_only:
        citywide_tint(s)
    boxes = labels(s, texts, furniture(s))
    if boxes is None:  # a number would overprint something: count per action instead
        args = (selected, filters, layout, title, subtitle, approval_no, lang, table, size)
        return render_map(*args, True, basemap, tdt_key, continued, asof, colour_by)
    overflow = key(s, number, continued)
    unplaced_note(s)
    footer(s, attribution, asof)
    numbered = [] if s.summary else [(t, anchors[k]) for (k, _), (_, t) in zip(order, texts, strict=True)]
    return MapPage(s.fig, numbered, boxes, overflow)


# --- Frame ---------------------------------------------------------------------------------


def frame(
    selected,
    filters: Filters,
    layout: str,
    lang: str,
    table: str,
    size,
    summary: bool,
    colour_by: str = "action",
    asof: dt.date | None = None,
) -> Sheet:
    """Frame: the page's figure, what it will hold, and the map's axes.

    Nothing to place turns a ``"drawn"`` key into ``"all"`` (the page is the list of what
    there is); only city-wide measures give a small city map beside a wide table; more than
    ``KEY_LIMIT`` measures to place make a summary page. The map takes the page's left part
    beside a key table, or the whole width (less a line for the note on unplaced measures).
    ``colour_by`` (checked) and ``asof`` are kept for the features and the legend."""
    sel = selected.to_crs(GK_CRS)
    fig = new_figure(size or LAYOUTS[layout])
    drawn = drawn_measures(sel)
    if table == "drawn" and len(drawn) == 0 and len(sel):
        table = "all"  # nothing to place: the page is the list of what there is
    has_table = table != "none" and (len(drawn) > 0 or (table == "all" and len(sel) > 0))
    # Nothing to place (city-wide measures only): a small city map tinted "全市" beside a
    # wide table, not an empty map.
    citywide_only = len(drawn) == 0 and len(sel) > 0
    # Too many measures to number one by one: plain markers, and a count per action as the key.
    summary = summary or len(drawn) > KEY_LIMIT
    rest = len(selected) - len(drawn)
    if citywide_only and has_table:
        ax = fig.add_axes([0.02, 0.4, 0.3, 0.49])
    elif has_table:
        ax = fig.add_axes([0.02, 0.07, MAP_WIDTH[layout], 0.82])
    else:  # the note on unplaced measures gets its own line under the map
        ax = fig.add_axes([0.02, 0.1 if rest else 0.07, 0.96, 0.79 if rest else 0.82])
    ax.set_axis_off()
    ax.set_aspect("equal")
    counties = load_counties().to_crs(GK_CRS)
    return Sheet(
        fig=fig,
        ax=ax,
        layout=layout,
        lang=lang,
        base=base_size(layout),
        filters=filters,
        actions=load_actions(),
        names=county_names(lang),
        counties=counties,
        sel=sel,
        drawn=drawn,
        table=table,
        has_table=has_table,
        citywide_only=citywide_only,
        summary=summary,
        rest=rest,
        colour_by=check_colour_by(colour_by),
        asof=asof,
    )


def heading(s: Sheet, title: str, subtitle: str, approval_no: str) -> None:
    """The page's texts: the title and the line on what is shown at the top; at the foot an
    empty footer line (filled in last by :func:`footer`, once the tiles' credit is known) and
    the schematic note with the approval number."""
    fig, base = s.fig, s.base
    fig.text(0.5, 0.965, title, ha="center", va="top", fontsize=base + 9, weight="bold")
    fig.text(0.5, 0.915, subtitle, ha="center", va="top", fontsize=base + 1, color="#333")
    s.footer = fig.text(0.02, 0.035, "", ha="left", va="bottom", fontsize=base - 2, color="#444")
    note = NOTES[s.lang] + ("    " + APPROVAL[s.lang].format(no=approval_no) if approval_no else "")
    fig.text(0.02, 0.012, note, ha="left", va="bottom", fontsize=base - 2, color="#444")


# --- Base map and context ----------------------------------------------------------------


def base_map(s: Sheet) -> None:
    """Base map: the counties' pale ground and their boundary symbol (the offline geography
    goes on top of it with :func:`layers.exports.print_base.draw_context`)."""
    draw_counties(s.ax, s.counties)


def fit_view(s: Sheet) -> None:
    """The chosen districts outlined, and the map's extent with 6 % to spare: the whole city;
    the chosen districts; or, for zones (no district by name), the measures selected and the
    zones, dashed."""
    counties, drawn, sel = s.counties, s.drawn, s.sel
    highlighted = set(s.filters.districts)
    if highlighted & set(counties["adcode"]):
        counties[counties["adcode"].isin(highlighted)].boundary.plot(ax=s.ax, color="#222", lw=1.6, zorder=2)
    zones = [zone_shapes()[z] for z in s.filters.districts if z in ZONES]
    zone = gpd.GeoSeries(zones, crs=4326).to_crs(counties.crs)
    if zones:  # dashed as on the web map (sourced unions of approximate town areas), over area fills
        zone.boundary.plot(ax=s.ax, color="#222", lw=1.5, linestyle=(0, (8, 3)), zorder=4.5)
    minx, miny, maxx, maxy = counties.total_bounds
    if highlighted & set(s.names):
        minx, miny, maxx, maxy = counties[counties["adcode"].isin(highlighted)].total_bounds
    elif len(drawn) and sel.geometry.notna().any() and s.filters.districts:
        minx, miny, maxx, maxy = gpd.GeoSeries([*sel.geometry.dropna(), *zone], crs=counties.crs).total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.06
    s.ax.set_xlim(minx - pad, maxx + pad)
    s.ax.set_ylim(miny - pad, maxy + pad)
    s.ax.apply_aspect()


def tiles(s: Sheet, basemap: str, tdt_key: str | None) -> str:
    """Web tiles under the map when asked for and available; a note on the map when they
    were asked for and are not used. Returns the tiles' attribution for the footer."""
    attribution, note = tiles_under(s.ax, basemap, tdt_key, s.lang)
    if note:
        s.ax.text(
            0.01,
            0.99,
            note,
            transform=s.ax.transAxes,
            ha="left",
            va="top",
            fontsize=s.base - 2,
            color="#a33",
            zorder=20,
            bbox={"boxstyle": "square,pad=0.3", "fc": "white", "ec": "#a33", "lw": 0.5},
        )
    return attribution


def inner_view(ax) -> shapely.Polygon:
    """The map's view less 4 % at each edge: where labels may be anchored."""
    (vx0, vx1), (vy0, vy1) = ax.get_xlim(), ax.get_ylim()
    mx_, my_ = (vx1 - vx0) * 0.04, (vy1 - vy0) * 0.04
    return shapely.box(vx0 + mx_, vy0 + my_, vx1 - mx_, vy1 - my_)


# --- County names, numbers, the city-wide tint (features: :mod:`.print_features`) ----------


def county_labels(s: Sheet, view) -> None:
    """County names in grey inside the view (:func:`labels` moves them off markers later)."""
    for rec in s.counties.itertuples():
        p = rec.geometry.representative_point()
        if not view.contains(p):
            continue  # clipped text would still be in the PDF's text layer, under the key
        label = rec.name_zh if s.lang == "zh" else rec.name_en.split()[0]
        s.ax.text(
            p.x, p.y, label, ha="center", va="center", fontsize=s.base - 1.5, color="#777", zorder=6, clip_on=True
        )


def numbers(s: Sheet, anchors: dict, order: list) -> tuple[dict[str, int], list]:
    """The numbers: one per measure, in table order (``measure_numbers``), and one label text
    per anchor ("3,4" for measures that share it), as ``((x, y), text)``. None on a
    summary map."""
    if s.summary:
        return {}, []
    number = measure_numbers(s.sel)
    return number, [((x, y), ",".join(str(number[i]) for i in anchors[k])) for k, (x, y) in order]


def citywide_tint(s: Sheet) -> None:
    """A map with nothing to place: the whole city tinted in the action's colour, or the
    light's on a map coloured by progress (grey for several), and marked 全市 / city-wide."""
    sel, ax = s.sel, s.ax
    by = sel["action"] if s.colour_by == "action" else lights(sel)
    colour = colour_of(s, by.iloc[0], by.iloc[0]) if by.nunique() == 1 else "#777"
    city = s.counties.dissolve().geometry.iloc[0]
    gpd.GeoSeries([city], crs=GK_CRS).plot(ax=ax, facecolor=colour, alpha=0.18, edgecolor=colour, lw=1, zorder=3)
    c = city.representative_point()
    ax.text(
        c.x,
        c.y,
        "全市" if s.lang == "zh" else "city-wide",
        ha="center",
        va="center",
        fontsize=s.base + 3,
        weight="bold",
        color=colour,
        zorder=20,
        path_effects=HALO,
    )


# --- Furniture and labels ----------------------------------------------------------------


def furniture(s: Sheet) -> list[Bbox]:
    """Furniture: the legend (none on a city-wide-only map coloured by action: the table is
    the key; coloured by progress, the legend says what the tint's light is), the scale
    bar (low, where it covers no boundary nor measure), the north arrow and the locator (in
    the empty north-east corner of the whole-city view; in a zoomed view, in the corner that
    covers the fewest measures). Draws the page
    once and returns the boxes of all that is fixed, with anything else at ``zorder`` ≥ 20."""
    fig, ax = s.fig, s.ax
    keyed = not s.citywide_only or s.colour_by == "progress"
    shown = s.sel if s.citywide_only else s.drawn  # city-wide only: the lights of the tint
    legend = draw_legend(ax, shown, s.actions, s.lang, s.base, s.colour_by, s.asof)
    north_arrow(ax, s.base, s.lang)
    corner = "ur" if not s.filters.districts else emptiest_corner(ax, s.drawn)
    inset = None if s.citywide_only else locator(fig, ax, corner)
    if not keyed:
        legend.remove()  # nothing of the actions is drawn: the table is the key
    renderer = fig.canvas.get_renderer()
    lines = shapely.union_all([*s.counties.boundary.values, *s.drawn.geometry.dropna().values])
    boxes = [a.get_window_extent(renderer) for a in ([legend] if keyed else []) + ([inset] if inset else [])]
    scale_bar(ax, s.base - 2, lines, boxes)

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    fixed = [legend.get_window_extent(renderer)] if keyed else []
    fixed += [inset.get_window_extent(renderer)] if inset else []
    fixed += [a.get_window_extent(renderer) for a in [*ax.patches, *ax.texts] if a.get_zorder() >= 20]
    return fixed


def labels(s: Sheet, texts: list, fixed: list[Bbox]) -> list[Bbox] | None:
    """Labels: county names moved off the markers' symbols, the county seats' dots and the
    furniture (``fixed``), the neighbours' names where they cover nothing, then the numbers
    (``texts``) placed clear of all of them, county names stepping aside for a number with
    nowhere else to go; zoomed in, town names where there is room. Returns the numbers'
    boxes; None when a number finds no free place (the page is then drawn as a summary)."""
    ax, renderer = s.ax, s.fig.canvas.get_renderer()
    # Markers' symbols are fixed; county names move aside when they would cover one.
    symbols = [t for t in ax.texts if t.get_zorder() == 9]
    taken = [t.get_window_extent(renderer).expanded(1.6, 1.6) for t in symbols] + fixed
    taken += seat_boxes(ax, renderer)  # a seat's dot never sits inside a name
    county_texts = [t for t in ax.texts if t.get_zorder() == 6]
    for t in county_texts:
        nudge(t, taken, renderer)
        if t.get_visible():
            taken.append(t.get_window_extent(renderer))
    taken += neighbour_names(ax, s.lang, s.base - 1.5, taken, renderer)
    boxes = place_labels(ax, texts, s.fig, s.base - 1, avoid=taken, movable=county_texts)
    if boxes is None:
        return None
    if s.filters.districts and not s.citywide_only:
        # Zoomed in, town names go where they cover nothing (the whole-city view has no room).
        town_names(ax, s.lang, s.base - 2.5, [*taken, *boxes], renderer)
    return boxes


# --- Key and footer ----------------------------------------------------------------------


def key(s: Sheet, number: dict[str, int], continued: bool) -> list[list[str]]:
    """Key: on a summary map, the count per action with a note; otherwise the numbered table
    (with the unplaced measures, numbered "–", when ``table`` is "all"), and under it how many
    rows did not fit: on the next page when ``continued``, else in the register. Returns
    the rows that did not fit."""
    fig, lang, base, layout = s.fig, s.lang, s.base, s.layout
    if not s.has_table:
        return []
    if s.summary:
        rows = summary_rows(s.sel, s.drawn, s.actions, lang)
        key_table(fig, rows, lang, base, table_rect(layout, False), SUMMARY_HEADER[lang])
        note = wrap_to(fig, SUMMARY_NOTE[lang].format(n=len(s.drawn)), table_rect(layout, False)[2], base - 2)
        left = table_rect(layout, s.citywide_only)[0]
        fig.text(left, 0.075, note, fontsize=base - 2, linespacing=1.6, color="#444", ha="left", va="bottom")
        return []
    rows = table_rows(s.drawn, number, s.names, s.actions, lang, s.sel if s.table == "all" else None)
    overflow, tl = key_table(fig, rows, lang, base, table_rect(layout, s.citywide_only))
    if overflow:  # in the room key_table kept free under the table
        left, bottom, _w, _h = table_rect(layout, s.citywide_only)
        fig.text(
            left,
            bottom + 0.01,
            (OVERFLOW_NOTE["next"] if continued else OVERFLOW_NOTE)[lang].format(n=len(overflow)),
            fontsize=tl.size,
            color="#444",
            ha="left",
            va="bottom",
        )
    return overflow


def unplaced_note(s: Sheet) -> None:
    """A note on the measures not on the map (city-wide, outside Jining or with no single
    place) when the key does not list them: in the table's column, or centred under a map
    that has no table."""
    if not s.rest or s.table == "all" or s.summary:
        return
    note = (
        f"另有 {s.rest} 项全市性、市外或无单一地点的措施,未在图上标注(见项目登记表)。"
        if s.lang == "zh"
        else f"{s.rest} more measures are city-wide, outside Jining or have no "
        "single place; they are listed in the register."
    )
    if s.has_table:  # in the table's column: wrapped, never past the page edge
        note = wrap_to(s.fig, note, table_rect(s.layout, s.citywide_only)[2], s.base - 2)
    s.fig.text(
        table_rect(s.layout, s.citywide_only)[0] if s.has_table else 0.5,
        0.062 if "\n" in note else 0.075,  # two lines start lower, between the table and the footer
        note,
        fontsize=s.base - 2,
        linespacing=1.6,
        color="#444",
        ha="left" if s.has_table else "center",
        va="bottom",
    )


def footer(s: Sheet, attribution: str, asof: dt.date | None = None) -> None:
    """Footer: the data date, today's date and the sources (the web tiles' credit last),
    wrapped to the page's width; under it on the right, 截至 ``asof`` when given."""
    s.footer.set_text(wrap_to(s.fig, footer_line(s.lang, attribution), 0.96, s.base - 2))
    stamp(s.fig, stamp_parts(s.lang, asof), s.base - 2)


def save(page: MapPage, path: str | Path, fmt: str | None = None, dpi: int = 300) -> Path:
    """Write a page as PNG (``dpi``), PDF or SVG, by ``fmt`` or the file extension."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("png", "pdf", "svg"):
        raise ValueError(f"unknown image format {fmt!r}; use png, pdf or svg")
    return atomic_write(path, lambda p: page.figure.savefig(p, format=fmt, dpi=dpi if fmt == "png" else 100))


__all__ = ["KEY_LIMIT", "MapPage", "Sheet", "render_map", "save"]
