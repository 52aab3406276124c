"""Map furniture for print: the legend built from what is drawn, the scale bar, the north
arrow and the locator inset of Jining within Shandong.

Each piece is drawn on the map's axes at a fixed place (furniture is never moved to make
room: labels move around it), at ``zorder`` 20 and above so that label placement can
find it.
"""

from __future__ import annotations

import shapely
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import FancyArrow, Rectangle

from layers.exports.print_base import BOUNDARY_STYLE, HALO
from layers.geo.coords import GK_CRS


def _nice_length(span_m: float) -> float:
    """A round scale-bar length in metres, about a fifth of ``span_m`` (1 to 100 km)."""
    target = span_m / 5
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if step * 1000 >= target:
            return step * 1000.0
    return 100_000.0


def scale_bar(ax, fontsize):
    """A four-segment scale bar in kilometres in the lower right of the map; returns its
    length in metres (the axes are EPSG:4548 metres, so the bar is true)."""
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


def north_arrow(ax, fontsize):
    """An arrow pointing up with 北 N above it, in the upper right of the map."""
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


def draw_legend(ax, drawn, actions, lang: str, base: float):
    """The legend in the lower left of the map, its rows from :func:`legend_entries`."""
    handles, labels = legend_entries(drawn, actions, lang)
    return ax.legend(
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
