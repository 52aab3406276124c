"""The measures on a printed map: each drawn in its colour, batched by style, with the
anchors their numbers point at.

A step of :func:`layers.exports.print_map.render_map`, split out of it: :func:`features`
takes the page being drawn (a :class:`layers.exports.print_map.Sheet`) and draws every
measure with a place in its action's colour, or, on a map coloured by progress
(``colour_by="progress"``), in its light's colour (三色管理; a measure with no light has
no plan). The symbols of form stay the same either way: filled points, hollow points for
approximate places, dashed lines, tinted areas and counties.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from matplotlib.colors import to_rgb

from layers.exports.print_furniture import light_colour, light_of, lights, symbol
from layers.exports.print_labels import spread_colocated
from layers.geo.coords import GK_CRS

#: What a printed map may be coloured by: each measure's action, or its progress light.
COLOUR_BY = ("action", "progress")


def check_colour_by(colour_by: str) -> str:
    """``colour_by`` when it is one of ``COLOUR_BY``; a ValueError saying the choices otherwise."""
    if colour_by not in COLOUR_BY:
        raise ValueError(f"unknown colour_by {colour_by!r}; use one of {', '.join(COLOUR_BY)}")
    return colour_by


def colour_of(s, action, light) -> str:
    """The colour a measure is drawn in on the page ``s``: its action's, or its light's."""
    if s.colour_by == "progress":
        return light_colour(light_of(light))
    return s.actions.loc[action, "colour"]


def _glyph_colour(s, colour: str) -> str:
    """The colour of an action's symbol on a filled marker: white; on a map coloured by
    progress, dark on a pale light (yellow, no plan) where white would not read."""
    if s.colour_by != "progress":
        return "white"
    r, g, b = to_rgb(colour)
    return "#222" if 0.299 * r + 0.587 * g + 0.114 * b > 0.65 else "white"


def features(s, view) -> tuple[dict[tuple[int, int], list[str]], list]:
    """Features: every measure with a place, in its colour (:func:`colour_of`), by action and id.

    Features are batched by style: one plotting call per batch, not per feature (1,000
    measures drew in 25 s one by one). Returns the label anchors: the measure ids per cell
    of about 1.5 km (measures that close share one label), and the cells in drawing order
    with the point their label points at."""
    ax = s.ax
    # Metres per typographic point on this page: marker offsets are set in points.
    per_pt = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (ax.get_window_extent().width * 72 / s.fig.dpi)
    spread = {} if s.summary else spread_colocated(s.drawn, per_pt)
    anchors: dict[tuple[int, int], list[str]] = {}
    order = []
    shapes_by_style: dict[tuple, list] = {}
    points_by_style: dict[tuple, list] = {}
    drawn = s.drawn.assign(light=lights(s.drawn))
    for rec in drawn.sort_values(["action", "id"]).itertuples():
        anchor, part = _draw_feature(s, rec, spread, shapes_by_style, points_by_style)
        if anchor is None:  # a marker on a summary map: no number
            continue
        anchor = _visible_anchor(anchor, rec, part, view)
        if anchor is None:  # wholly outside a zoomed view: keyed in the table, not labelled
            continue
        cell = (round(anchor.x / 1500), round(anchor.y / 1500))  # measures within ~1.5 km share a label
        if cell not in anchors:
            anchors[cell] = []
            order.append((cell, (anchor.x, anchor.y)))
        anchors[cell].append(rec.id)
    _plot_batches(ax, shapes_by_style, points_by_style, s.summary)
    return anchors, order


def _draw_feature(s, rec, spread, shapes_by_style: dict, points_by_style: dict):
    """One measure into its style's batch: a county-wide measure tints its counties (once per
    county and colour), areas and lines go as they are, points as markers (co-located ones
    set around their place, ``spread``) with the action's symbol on each. Returns its label
    anchor and, when county-wide, its counties; (None, None) for a point on a summary map."""
    colour = colour_of(s, rec.action, rec.light)
    if rec.form == "county":
        part = s.counties[s.counties["adcode"].isin(rec.county_adcodes.split(","))]
        # One tint per county and colour: several county-wide measures would stack to opaque.
        tinted = shapes_by_style.setdefault(("county", colour, 0.15), [])
        tinted.extend(g for g in part.geometry if not any(g is t for t in tinted))
        return part.geometry.iloc[0].representative_point(), part
    if rec.geometry.geom_type in ("Polygon", "MultiPolygon"):
        alpha = 0.25 if rec.precision_m <= 15000 else 0.1
        shapes_by_style.setdefault(("area", colour, alpha), []).append(rec.geometry)
        return rec.geometry.representative_point(), None
    if "Line" in rec.geometry.geom_type:
        shapes_by_style.setdefault(("line", colour, 1.0), []).append(rec.geometry)
        return rec.geometry.interpolate(0.5, normalized=True), None
    approx = bool(rec.approximate)
    parts = list(getattr(rec.geometry, "geoms", [rec.geometry]))  # a MultiPoint: each point drawn
    marks = [spread.get(rec.id, (parts[0].x, parts[0].y))] + [(q.x, q.y) for q in parts[1:]]
    points_by_style.setdefault((colour, approx), []).extend(marks)
    if s.summary:
        return None, None
    for mx, my in marks:
        s.ax.text(
            mx,
            my,
            symbol(s.actions, rec.action, s.lang),
            ha="center",
            va="center",
            fontsize=s.base - 3,
            color=colour if approx else _glyph_colour(s, colour),
            zorder=9,
        )
    return parts[0], None


def _plot_batches(ax, shapes_by_style: dict, points_by_style: dict, summary: bool) -> None:
    """Draw the batches: dashed lines, tinted areas and counties, then the markers (hollow
    when approximate; small on a summary map)."""
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


__all__ = ["COLOUR_BY", "check_colour_by", "colour_of", "features"]
