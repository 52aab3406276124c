"""Small maps of the edit tab, each with one meaning for a click.

``pick_map``: the map a planner clicks to correct a measure's location. It shows the
measure where it is now; a click there picks a point and does nothing else (the main map's
county clicks filter; this map's never do). ``picked_group`` marks the picked point.
``review_map``: the rows of an imported list where the review placed them, before saving.

Both are built on :func:`layers.webmap.map_base.base_map` (counties, offline geography,
the chosen basemap), so they work offline. Coordinates go to the page in the basemap's
system (GCJ-02 for AMap); the app converts a click back to WGS-84. Titles from a file are
shown as text: escaped before they reach a tooltip, which Leaflet inserts as HTML.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import Draw

from layers._errors import Msg
from layers.geo.coords import from_wgs84, to_wgs84
from layers.labels import DRAW_WORDS
from layers.webmap.basemaps import needs_gcj02
from layers.webmap.map_base import base_map, fit_view
from layers.webmap.map_scripts import _PlainScriptElement, script_json
from layers.webmap.mapping import focus_view, highlight_group
from layers.webmap.offline import DRAW_CSS_URL, DRAW_JS_URL

#: Small maps' height in the edit tab, and the width their views are fitted to.
SMALL_MAP_HEIGHT_PX = 360
SMALL_MAP_WIDTH_PX = 700
#: Jining's whole extent (WGS-84): the view when there is nothing to show.
CITY_VIEW = ([35.4, 116.75], 8)
#: Review rows by status: a saved row in the colours the planner reads as ok, warning, error.
STATUS_COLOURS = {"ok": "#2e7d32", "geocoded": "#1565c0", "unchanged": "#757575", "conflict": "#ef6c00"}
PICKED_COLOUR = "#d81b60"


def _display(lon: float, lat: float, basemap: str) -> tuple[float, float]:
    """A WGS-84 point in the system the basemap is drawn in (lon, lat)."""
    return from_wgs84(lon, lat, "gcj02") if needs_gcj02(basemap) else (lon, lat)


def pick_map(
    projects: gpd.GeoDataFrame, measure_id: str, basemap: str, lang: str, tdt_key: str | None
) -> tuple[folium.Map, list[float], int]:
    """The map to pick ``measure_id``'s location on: the measure ringed where it is now, the
    view on it (the whole city when it has no place). Returns the map, its centre and zoom."""
    m = base_map(basemap, lang, tdt_key)
    highlight_group(projects, measure_id, basemap).add_to(m)
    centre, zoom = focus_view(projects, measure_id, basemap) or CITY_VIEW
    return m, centre, zoom


def picked_group(lon: float | None, lat: float | None, basemap: str) -> folium.FeatureGroup:
    """The picked point (WGS-84) as a marked dot; an empty group when nothing is picked."""
    group = folium.FeatureGroup(name="picked", control=False)
    if lon is not None and lat is not None:
        x, y = _display(lon, lat, basemap)
        folium.CircleMarker(
            [y, x], radius=7, color="white", weight=2, fill=True, fill_color=PICKED_COLOUR, fill_opacity=1
        ).add_to(group)
    return group


def review_map(points: list[dict], basemap: str, lang: str, tdt_key: str | None) -> tuple[folium.Map, list[float], int]:
    """The review's located rows (``ImportReport.located_points``) as dots coloured by
    status, each with its row number and title as a tooltip, the view fitted to them."""
    m = base_map(basemap, lang, tdt_key)
    shown = []
    for p in points:
        x, y = _display(p["lon"], p["lat"], basemap)
        shown.append((x, y))
        label = f"第 {p['row']} 行:{p['title']}" if lang == "zh" else f"row {p['row']}: {p['title']}"
        folium.CircleMarker(
            [y, x],
            radius=6,
            color="white",
            weight=1.5,
            fill=True,
            fill_color=STATUS_COLOURS.get(p["status"], "#616161"),
            fill_opacity=0.95,
            tooltip=html.escape(label[:120]),
        ).add_to(m)
    if not shown:
        return m, *CITY_VIEW
    xs, ys = [x for x, _ in shown], [y for _, y in shown]
    pad = 0.02  # degrees (~2 km): a single row is shown with its town around it
    bounds = (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
    centre, zoom = fit_view(bounds, SMALL_MAP_WIDTH_PX, SMALL_MAP_HEIGHT_PX)
    return m, centre, min(zoom, 14)


class LocalDraw(Draw):
    """folium's Draw control with Leaflet.draw served by the app (``offline.DRAW_JS_URL``):
    the plugin's default loads it from a CDN, which an intranet cannot reach."""

    default_js = [("leaflet_draw_js", DRAW_JS_URL)]
    default_css = [("leaflet_draw_css", DRAW_CSS_URL)]


class _DrawWords(_PlainScriptElement):
    """The drawing toolbar's words in the map's language (``js/draw_local.js``), set before
    the toolbar is made."""

    _js = "draw_local"

    def __init__(self, lang: str):
        super().__init__()
        self._name = "DrawWords"
        self.payload = script_json(DRAW_WORDS[lang])


def _editable_layers(geom, basemap: str) -> list:
    """A measure's geometry as plain Leaflet vector layers (markers, polylines, polygons):
    Leaflet.draw edits only those, not a GeoJSON group. In the basemap's system."""
    if geom is None or geom.is_empty:
        return []
    if needs_gcj02(basemap):
        geom = shapely.transform(geom, lambda xy: np.array([from_wgs84(x, y, "gcj02") for x, y in xy]))
    style = {"color": PICKED_COLOUR, "weight": 3}
    out = []
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "Point":
            out.append(folium.Marker([part.y, part.x]))
        elif part.geom_type == "LineString":
            out.append(folium.PolyLine([(y, x) for x, y in part.coords], **style))
        elif part.geom_type == "Polygon":
            out.append(folium.Polygon([(y, x) for x, y in part.exterior.coords[:-1]], fill=True, **style))
    return out


def draw_map(
    projects: gpd.GeoDataFrame, measure_id: str, basemap: str, lang: str, tdt_key: str | None
) -> tuple[folium.Map, list[float], int]:
    """The map to draw ``measure_id``'s point, line or area on, over any basemap: its present
    geometry in the toolbar's editable group (its vertices can be moved, the shape deleted),
    and tools for a line, an area or a point (no circles or rectangles: a measure is not
    one). Returns the map, its centre and zoom."""
    m = base_map(basemap, lang, tdt_key)
    rec = projects[projects["id"] == measure_id]
    editable = folium.FeatureGroup(name="editable", control=False).add_to(m)
    geom = rec.geometry.iloc[0] if len(rec) and rec["precision"].iloc[0] == "manual" else None
    for layer in _editable_layers(geom, basemap):
        layer.add_to(editable)
    if geom is None:  # a located-but-approximate measure: show where it is now, not editable
        highlight_group(projects, measure_id, basemap).add_to(m)
    _DrawWords(lang).add_to(m)
    LocalDraw(
        feature_group=editable,
        draw_options={
            "polyline": True,
            "polygon": {"allowIntersection": False},
            "marker": True,
            "rectangle": False,
            "circle": False,
            "circlemarker": False,
        },
        edit_options={"edit": True, "remove": True},
    ).add_to(m)
    centre, zoom = focus_view(projects, measure_id, basemap) or CITY_VIEW
    return m, centre, zoom


def drawn_geometry(features: list[dict] | None, basemap: str):
    """The geometry of the draw map's features (streamlit-folium's ``all_drawings``), in
    WGS-84: one point, a (multi)line or a (multi)polygon. None when nothing is drawn; a
    ValueError (both languages) for a mix of kinds, which no measure is."""
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features or [] if f.get("geometry")]
    if not shapes:
        return None
    kinds = {s.geom_type.removeprefix("Multi") for s in shapes}
    if len(kinds) > 1:
        raise ValueError(
            Msg(
                "the drawing mixes points, lines and areas; keep one kind (delete the others with the bin)",
                "所绘图形混有点、线、面;请只保留一种(用垃圾桶删除其余)",
            )
        )
    parts = [g for s in shapes for g in getattr(s, "geoms", [s])]
    kind = kinds.pop()
    if len(parts) == 1:
        geom = parts[0]
    elif kind == "Polygon":
        geom = shapely.union_all(parts)  # overlapping areas become one
    else:
        geom = shapely.geometry.MultiLineString(parts) if kind == "LineString" else shapely.geometry.MultiPoint(parts)
    if needs_gcj02(basemap):  # drawn over AMap: its tiles are GCJ-02
        geom = shapely.transform(geom, lambda xy: np.array([to_wgs84(x, y, "gcj02") for x, y in xy]))
    return geom
