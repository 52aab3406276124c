"""Map furniture for print: the legend built from what is drawn (by action, or by progress
light on a map coloured by progress), the scale bar, the north arrow and the locator inset
of Jining within Shandong.

Each piece is drawn on the map's axes at a fixed place (furniture is never moved to make
room: labels move around it), at ``zorder`` 20 and above so that label placement can
find it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import shapely
import shapely.prepared
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox

from layers.exports.print_base import BOUNDARY_STYLE, HALO
from layers.exports.print_page import date_text
from layers.geo.coords import GK_CRS
from layers.labels import LIGHT_WORDS
from layers.progress.lights import load_rules

#: The legend's title: by action, or by progress (截至 a date when the page has one).
LEGEND_TITLES = {
    "action": {"zh": "图例", "en": "Legend"},
    "progress": {"zh": "进度", "en": "Progress"},
}
LEGEND_ASOF = {"zh": "{title}(截至 {date})", "en": "{title} (as of {date})"}


def _nice_length(span_m: float) -> float:
    """A round scale-bar length in metres, about a fifth of ``span_m`` (1 to 100 km)."""
    target = span_m / 5
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if step * 1000 >= target:
            return step * 1000.0
    return 100_000.0


def _scale_bar_spot(ax, length: float, fontsize: float, avoid, boxes) -> tuple[float, float, object, bool]:
    """Where the scale bar goes: the lowest, then rightmost place in the lower third of the map
    whose box (bar, figures and "km", 2 pt to spare) meets nothing of ``avoid`` (boundaries and
    measures, a shapely geometry) nor any of ``boxes`` (display boxes: legend, locator).
    Returns the bar's lower left, its box in data units and whether that place is free (else
    the place that meets the least, to be backed in white)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    frame = ax.get_window_extent()
    per_pt = (y1 - y0) / (frame.height * 72 / ax.figure.dpi)
    h = (y1 - y0) * 0.008
    left, right = (0.6 * fontsize + 2) * per_pt, (x1 - x0) * 0.012 + (1.6 * fontsize + 2) * per_pt
    below, above = 2 * per_pt, 2.2 * h + (1.3 * fontsize + 2) * per_pt
    prepared = shapely.prepared.prep(avoid) if avoid is not None else None
    best = None
    for fy in [0.015 + 0.02 * i for i in range(15)]:
        for fx in [0.97 - 0.02 * i for i in range(48)]:
            bx, by = x0 + (x1 - x0) * fx - length - right, y0 + (y1 - y0) * fy
            box = shapely.box(bx - left, by - below, bx + length + right, by + above)
            if box.bounds[0] < x0:
                break
            hits = (prepared is not None and prepared.intersects(box)) * 10
            shown = ax.transData.transform([box.bounds[:2], box.bounds[2:]])
            hits += sum(Bbox(shown).overlaps(b) for b in boxes) * 100
            if hits == 0:
                return bx, by, box, True
            if best is None or hits < best[0]:
                best = (hits, bx, by, box)
    return best[1], best[2], best[3], False


def scale_bar(ax, fontsize, avoid=None, boxes=()):
    """A four-segment scale bar in kilometres low on the map, where it covers no boundary nor
    measure (``avoid``) nor the legend and locator (``boxes``); backed in white where no such
    place is left. Returns its length in metres (the axes are EPSG:4548 metres, so the bar
    is true)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by, box, free = _scale_bar_spot(ax, length, fontsize, avoid, boxes)
    h = (y1 - y0) * 0.008
    if not free:  # nowhere clear: a white box under it, rather than the bar on the lines
        bx0, by0, bx1, by1 = box.bounds
        ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, facecolor="white", edgecolor="none", zorder=20))
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
            path_effects=HALO,
        )
    ax.text(
        bx + length + (x1 - x0) * 0.012,
        by,
        "km",
        ha="left",
        va="bottom",
        fontsize=fontsize,
        zorder=20,
        path_effects=HALO,
    )
    return length


def north_arrow(ax, fontsize, lang: str = "zh"):
    """An arrow pointing up in the upper right of the map, 北 N above it (N in English),
    its tip a few points below the letter."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.16
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            (y1 - y0) * 0.09,
            width=(x1 - x0) * 0.006,
            head_width=(x1 - x0) * 0.025,
            head_length=(y1 - y0) * 0.035,
            length_includes_head=True,  # the tip ends at y + 0.09 of the height, under the letter
            color="black",
            zorder=20,
        )
    )
    ax.text(
        x,
        y1 - (y1 - y0) * 0.055,
        "北 N" if lang == "zh" else "N",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        zorder=20,
    )


def symbol(actions, a, lang: str) -> str:
    """An action's one-character symbol on the map (文): its number in English, where a
    Chinese character would be a word the reader cannot read."""
    return actions.loc[a, "symbol"] if lang == "zh" else str(a)


def light_of(light) -> str:
    """A measure's light code; ``no_plan`` when it has none (no ``light`` column, or empty)."""
    return light if isinstance(light, str) and light else "no_plan"


def lights(frame: pd.DataFrame) -> pd.Series:
    """The light of each measure of ``frame`` (``no_plan`` where there is none)."""
    if "light" not in frame.columns:
        return pd.Series("no_plan", index=frame.index, dtype=object)
    return frame["light"].map(light_of)


def light_colour(code: str) -> str:
    """A light's colour on the map, the list and the exports (``lights.toml``)."""
    return load_rules().colour(code)


def _colour_groups(drawn, actions, lang: str, colour_by: str) -> list[tuple[pd.Series, str, str]]:
    """The legend's coloured rows as (which measures, colour, label): per action in action
    order, or per light in ``LIGHT_WORDS`` order with its count ("红 严重滞后 (3)")."""
    if colour_by == "progress":
        light = lights(drawn)
        return [
            (light == code, light_colour(code), f"{words[lang]} ({(light == code).sum()})")
            for code, words in LIGHT_WORDS.items()
            if (light == code).any()
        ]
    zh = lang == "zh"
    return [
        (
            drawn["action"] == a,
            actions.loc[a, "colour"],
            f"{actions.loc[a, 'symbol']} {a}. {actions.loc[a, 'name_zh']}"
            if zh
            else f"{a}. {actions.loc[a, 'name_en']}",
        )
        for a in sorted(drawn["action"].unique())
    ]


def legend_entries(drawn, actions, lang: str, colour_by: str = "action") -> tuple[list, list[str]]:
    """Legend rows built from what is drawn, each symbol in the map's own style: per action
    (or, ``colour_by="progress"``, per light), its points (filled, or hollow when
    approximate), lines, areas and county tints, side by side; then the base map's water,
    boundary and seats."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    zh = lang == "zh"
    handles, labels = [], []
    kind = drawn.geometry.geom_type.fillna("")
    for rows, colour, label in _colour_groups(drawn, actions, lang, colour_by):
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
        if not parts:  # measures with no place of their own: the city-wide tint
            parts.append(Patch(facecolor=colour, alpha=0.18, edgecolor=colour))
        handles.append(tuple(parts))
        labels.append(label)
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


def legend_title(lang: str, colour_by: str = "action", asof: dt.date | None = None) -> str:
    """The legend's title: 图例 / Legend; on a map coloured by progress 进度 / Progress, with
    截至 ``asof`` when given ("进度(截至 2020年12月31日)")."""
    title = LEGEND_TITLES[colour_by][lang]
    if colour_by == "progress" and asof:
        return LEGEND_ASOF[lang].format(title=title, date=date_text(asof, lang))
    return title


def draw_legend(ax, drawn, actions, lang: str, base: float, colour_by: str = "action", asof: dt.date | None = None):
    """The legend in the lower left of the map, its rows from :func:`legend_entries`, its
    title from :func:`legend_title`."""
    handles, labels = legend_entries(drawn, actions, lang, colour_by)
    return ax.legend(
        handles=handles,
        labels=labels,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.4)},
        handlelength=3.2,  # long enough for a dash pattern to show as dashes
        loc="lower left",
        fontsize=base - 2,
        frameon=True,
        framealpha=0.9,
        title=legend_title(lang, colour_by, asof),
        title_fontsize=base - 1,
    )


#: Where a locator may go, in axes fractions (x0, y0, x1, y1): upper right beside the north
#: arrow, upper left, lower right above the scale bar's line.
LOCATOR_CORNERS = {"ur": (0.7, 0.8, 0.9, 1.0), "ul": (0.0, 0.8, 0.2, 1.0), "lr": (0.8, 0.12, 1.0, 0.32)}


def emptiest_corner(ax, drawn) -> str:
    """The locator corner whose box meets the fewest drawn measures (ties: upper right)."""
    to_data = ax.transAxes + ax.transData.inverted()
    geoms = [g for g in drawn.geometry if g is not None]
    counts = {}
    for name, (x0, y0, x1, y1) in LOCATOR_CORNERS.items():
        (dx0, dy0), (dx1, dy1) = to_data.transform([(x0, y0), (x1, y1)])
        box = shapely.box(dx0, dy0, dx1, dy1)
        counts[name] = sum(box.intersects(g) for g in geoms)
    return min(LOCATOR_CORNERS, key=lambda k: (counts[k], k != "ur"))


def locator(fig, ax, corner: str = "ur"):
    """A small inset of Jining within Shandong in one of ``LOCATOR_CORNERS`` of the map."""
    from layers.geo.boundaries import load_city
    from layers.geo.context import load_context

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
