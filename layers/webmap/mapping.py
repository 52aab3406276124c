"""Build the planner's map with folium: the entry points of the web map.

``base_map`` (``layers.webmap.map_base``) is the part that does not follow the filters;
``overlay_groups`` builds the groups that do (per-action layers from ``layers.webmap.map_layers``,
the chosen districts, the legend, the clusters) and the view to fit; ``highlight_group``
rings the selected measure; ``focus_views`` gives the view a list click moves to;
``build_map`` joins them for exports and tests. Every view the map fits itself (the
selection, a list click) tells the truth about precision: it holds each measure's
precision disc (a point's disc of ``precision_m``, a shape's extent grown by it) and never
zooms in past ``CONTEXT_ZOOM``, where the offline base map still shows towns around it. Every script the map adds is a file in
``layers/webmap/js`` (``layers.webmap.map_scripts``). Text from the register reaches the page as JSON
and is inserted as text, never as HTML.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from layers.geo.actions import load_actions
from layers.geo.boundaries import load_city
from layers.labels import LIGHT_WORDS, t
from layers.progress.lights import load_rules
from layers.progress.view import light_counts
from layers.selection.filtering import ZONE_NAMES, ZONES, Filters, zone_shapes
from layers.selection.numbering import precision_km
from layers.webmap.basemaps import needs_gcj02
from layers.webmap.map_base import (
    APP_MAP_HEIGHT_PX,
    APP_MAP_WIDTH_PX,
    COORD_DECIMALS,
    MIN_ZOOM,
    _display_counties,
    _simplify_for_display,
    _to_display_crs,
    base_map,
    fit_view,
)
from layers.webmap.map_layers import (
    LARGE_SELECTION,
    Shown,
    _FeatureLayer,
    _Highlight,
    _LegendControl,
    action_group,
    anchor_points,
    clusters_element,
    is_large,
    styled_group,
)
from layers.webmap.map_scripts import script_json
from layers.webmap.map_symbols import (
    BADGE_CLASS,
    LABEL_CLASS,
    POINT_CLASS,
    SELECTED_COLOUR,
    legend_html,
    light_legend_html,
    marker_html,
)

# The web map's public names, importable from here wherever they are defined.
__all__ = [
    "APP_MAP_HEIGHT_PX",
    "BADGE_CLASS",
    "CONTEXT_ZOOM",
    "LABEL_CLASS",
    "LARGE_SELECTION",
    "MIN_ZOOM",
    "POINT_CLASS",
    "base_map",
    "build_map",
    "context_view",
    "fit_view",
    "focus_view",
    "focus_views",
    "highlight_group",
    "is_large",
    "marker_html",
    "overlay_groups",
    "script_json",
]

#: The closest zoom a view the map fits itself goes to (the planner may zoom in further).
#: Measured on the offline base map (tests/test_views.py): town names show from zoom 10
#: (``map_base.TOWN_LABEL_ZOOM``); at zoom 11 the app's map (560x540 px) around any measure
#: or town seat holds at least 2 town seats (12 at the median) and more than half of such
#: views a lake, the Yellow River or the canal; at zoom 12 a quarter of them hold fewer than
#: 3 towns and at 13 most hold one: a grey map with a marker and no names.
CONTEXT_ZOOM = 11

_GEOD = Geod(ellps="WGS84")

Bounds = tuple[float, float, float, float]


def overlay_groups(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
    colour_by: str = "action",
) -> tuple[list[folium.FeatureGroup], Bounds]:
    """The layers that follow the filters: a selection group (chosen districts, zones, the
    legend, the clusters) and one group per action, or per progress light (``colour_by``
    ``progress``: every marker, line, area and county tint in its light's colour, the legend
    listing the lights with their counts); and the bounds the view should fit."""
    filters = filters or Filters()
    gcj = needs_gcj02(basemap)
    counties = _display_counties(gcj)
    chosen = counties[counties["adcode"].isin(set(filters.districts))]
    shown = Shown.prepare(selected, counties, gcj, lang, colour_by)
    zones = _display_zones([z for z in filters.districts if z in ZONES], gcj)
    sel_group = _selection_group(chosen, zones, lang)
    if colour_by == "progress":
        colours = dict(load_rules().colours)
        counts = light_counts(selected)
        groups = [sel_group, *_light_groups(shown, colours, counts, lang)]
        legend = light_legend_html(counts, colours, lang)
    else:
        colours = load_actions()["colour"].to_dict()
        groups = [sel_group, *_action_groups(shown, lang)]
        legend = legend_html(_drawn_actions(shown), lang)
    _LegendControl(legend, lang).add_to(sel_group)
    if shown.cluster_rows:
        clusters_element(shown, colours, lang).add_to(sel_group)
    if len(chosen) or len(zones):
        geoms, metres = [*chosen.geometry, *zones.geometry], None
    else:  # the drawn selection, each measure grown by its precision (counties by none)
        _, county_geoms = shown.county_parts(np.ones(len(shown.ids), dtype=bool))
        precision = _precision_m(selected)[shown.present]
        geoms = [*county_geoms, *shown.geoms[shown.present]]
        metres = np.concatenate([np.zeros(len(county_geoms)), precision])
    return groups, _view_bounds(geoms, metres, gcj)


def _light_groups(shown: Shown, colours: dict, counts: dict, lang: str) -> list[folium.FeatureGroup]:
    """One group per progress light in the selection, in the legend's order."""
    groups = []
    for code, words in LIGHT_WORDS.items():
        mine = shown.key == code
        if mine.any():
            groups.append(styled_group(shown, mine, colours[code], f"{words[lang]} ({counts[code]})", words[lang]))
    return groups


def _display_zones(zones: list[str], gcj: bool) -> gpd.GeoDataFrame:
    """The functional zones ``zones`` (ids of ``ZONES``) with their ids, in display coordinates."""
    frame = gpd.GeoDataFrame({"zone": zones}, geometry=[zone_shapes()[z] for z in zones], crs=4326)
    return _to_display_crs(frame, gcj)


def _zone_outline(zones: gpd.GeoDataFrame, lang: str) -> _FeatureLayer:
    """The zones dashed, each with its name and 范围示意 in its tooltip (they are sourced unions
    of approximate town areas, not surveyed limits). Only the line takes the mouse: no fill,
    so clicks inside still reach the counties and measures."""
    style = {"color": "#333", "weight": 2.5, "opacity": 0.85, "dashArray": "10 6", "fill": False}
    sep = "" if lang == "zh" else " "  # 太白湖新区(范围示意), Taibai Lake New Area (approximate extent)
    tips = [[f"{ZONE_NAMES[z][lang]}{sep}{t('zone_extent', lang)}"] for z in zones["zone"]]
    ids = [f"zone:{z}" for z in zones["zone"]]
    return _FeatureLayer(ids, zones.geometry.values, style, tips=tips, labels=[""])


def _selection_group(chosen: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup:
    """The chosen counties outlined, and the chosen functional zones dashed."""
    group = folium.FeatureGroup(name="selection", control=False)
    if len(chosen):
        style = {"color": "#333", "weight": 3, "fillOpacity": 0, "interactive": False}
        _FeatureLayer([""] * len(chosen), chosen.geometry.values, style).add_to(group)
    if len(zones):
        _zone_outline(zones, lang).add_to(group)
    return group


def _action_groups(shown: Shown, lang: str) -> list[folium.FeatureGroup]:
    """One group per action in the selection, in action order."""
    actions = load_actions()
    name_col = "name_zh" if lang == "zh" else "name_en"
    groups = []
    for a in sorted(set(shown.action.tolist())):
        rec = actions.loc[a]
        # The layer control names the group: its symbol (文) is a Chinese word, left out in English.
        symbol = rec["symbol"] if lang == "zh" else ""
        groups.append(action_group(shown, a, rec["colour"], symbol, rec[name_col]))
    return groups


def _drawn_actions(shown: Shown) -> list:
    """The actions with something on the map (a geometry, or counties to tint): the legend's rows."""
    return sorted(set(shown.action[shown.present | (shown.form == "county")].tolist()))


def _precision_m(selected: gpd.GeoDataFrame) -> np.ndarray:
    """Each measure's precision in metres (0 where none is stated)."""
    if "precision_m" not in selected.columns:
        return np.zeros(len(selected))
    return pd.to_numeric(selected["precision_m"], errors="coerce").fillna(0).to_numpy(dtype=float)


def grown_bounds(geoms, metres=None) -> Bounds:
    """The bounds of ``geoms`` (lon/lat), each grown by its ``metres`` (none: not grown) on the
    WGS-84 ellipsoid: a point's precision disc, a shape's extent and its precision around it."""
    b = shapely.bounds(np.asarray(geoms, dtype=object))
    minx, miny, maxx, maxy = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    r = np.zeros(len(b)) if metres is None else np.nan_to_num(np.asarray(metres, dtype=float))
    if r.any():
        n = len(r)
        _, maxy, _ = _GEOD.fwd(maxx, maxy, np.zeros(n), r)
        _, miny, _ = _GEOD.fwd(minx, miny, np.full(n, 180.0), r)
        # East and west at the edge farther from the equator, where a metre spans more longitude.
        edge = np.where(np.abs(maxy) >= np.abs(miny), maxy, miny)
        maxx, _, _ = _GEOD.fwd(maxx, edge, np.full(n, 90.0), r)
        minx, _, _ = _GEOD.fwd(minx, edge, np.full(n, 270.0), r)
    return float(np.min(minx)), float(np.min(miny)), float(np.max(maxx)), float(np.max(maxy))


def _view_bounds(focus: list, metres, gcj: bool) -> Bounds:
    """The bounds to fit: ``focus`` (chosen districts and zones, else the drawn selection)
    grown by ``metres``, else the whole city."""
    present = [g is not None and not g.is_empty for g in focus]
    if not any(present):
        return grown_bounds(list(_to_display_crs(load_city(), gcj).geometry))
    keep = np.flatnonzero(present)
    return grown_bounds([focus[i] for i in keep], None if metres is None else np.asarray(metres)[keep])


def context_view(
    bounds: Bounds, width_px: int = APP_MAP_WIDTH_PX, height_px: int = APP_MAP_HEIGHT_PX
) -> tuple[list[float], int]:
    """``fit_view`` of ``bounds``, never closer than ``CONTEXT_ZOOM``: the view the map fits itself."""
    centre, zoom = fit_view(bounds, width_px=width_px, height_px=height_px)
    return centre, min(zoom, CONTEXT_ZOOM)


def build_map(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
    tdt_key: str | None = None,
    colour_by: str = "action",
) -> folium.Map:
    """The whole map of the selected measures in one folium.Map (exports and tests use it;
    the app sends the base map and the overlay groups separately); ``colour_by`` as in
    :func:`overlay_groups`."""
    m = base_map(basemap, lang, tdt_key, is_large(selected))
    groups, bounds = overlay_groups(selected, filters, basemap, lang, colour_by)
    for g in groups:
        g.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    # The exported page fills a browser window, wider than the app's map column.
    m.location, m.options["zoom"] = context_view(bounds, width_px=900, height_px=640)
    m.view_bounds = bounds
    return m


def _places(selected: gpd.GeoDataFrame, basemap: str):
    """Each measure of ``selected`` with a place, in display coordinates: (id, anchor, outline,
    form, precision in metres), where the anchor is where its number goes and the outline its
    own geometry or, for a county-wide measure, its counties'."""
    gcj = needs_gcj02(basemap)
    shown = _to_display_crs(_simplify_for_display(selected), gcj)
    counties = _display_counties(gcj)
    by_code = dict(zip(counties["adcode"], counties.geometry.values, strict=True))
    geoms = np.array(shown.geometry.array, dtype=object)
    forms = shown["form"].to_numpy(dtype=object)
    adcodes = shown["county_adcodes"].to_numpy(dtype=object)
    anchors = anchor_points(geoms, forms, adcodes, by_code)
    rows = zip(shown["id"], geoms, forms, adcodes, anchors, _precision_m(shown), strict=True)
    for mid, outline, form, codes, anchor, metres in rows:
        if anchor is None:
            continue
        if outline is None and form == "county":
            parts = [by_code[c] for c in str(codes).split(",") if c in by_code]
            outline = shapely.union_all(parts) if parts else None
        yield mid, anchor, outline, form, metres


def highlight_group(
    selected: gpd.GeoDataFrame, measure_id: str | None, basemap: str = "none", lang: str = "zh"
) -> folium.FeatureGroup:
    """An overlay group that rings the selected measure (empty when there is none). Whether
    it shares its place with other measures is decided as ``overlay_groups`` decides it. An
    approximate point also gets its precision disc (a circle of ``precision_m`` metres, its
    tooltip 定位精度 ±N km), and the functional zones its anchor lies in are dashed."""
    group = folium.FeatureGroup(name="highlight", control=False)
    found = list(_places(selected[selected["id"] == measure_id], basemap)) if measure_id else []
    if not found or is_large(selected):  # not selected, or no place (city-wide, outside): no ring
        return group
    ((_, anchor, outline, form, metres),) = found
    payload = {"id": measure_id, "colour": SELECTED_COLOUR}
    payload["ll"] = [round(anchor.y, COORD_DECIMALS), round(anchor.x, COORD_DECIMALS)]
    if outline is not None and form != "point":
        payload["geom"] = json.loads(shapely.to_geojson(shapely.set_precision(outline, 10**-COORD_DECIMALS)))
    approximate = "approximate" in selected.columns and bool(
        selected.loc[selected["id"] == measure_id, "approximate"].any()
    )
    if form == "point" and approximate and metres > 0:
        _precision_disc(payload["ll"], metres, lang).add_to(group)
    gcj = needs_gcj02(basemap)
    zones = _display_zones(list(ZONES), gcj)
    inside = zones[zones.geometry.contains(anchor)]
    if len(inside):
        _zone_outline(inside, lang).add_to(group)
    _Highlight(payload).add_to(group)
    return group


def _precision_disc(ll: list[float], metres: float, lang: str) -> folium.Circle:
    """The disc the point is known within: a circle of ``metres`` on the ground (it grows and
    shrinks with the zoom, unlike the ring's fixed pixels), thin and pale amber. Only its line
    takes the mouse (the tooltip); clicks inside reach the measures and counties under it."""
    tip = t("precision_disc", lang, km=precision_km(metres))
    return folium.Circle(
        ll,
        radius=float(metres),
        color=SELECTED_COLOUR,
        weight=2,
        opacity=0.75,
        fill=False,
        tooltip=folium.Tooltip(tip, sticky=True),
    )


def focus_views(selected: gpd.GeoDataFrame, basemap: str = "none") -> dict[str, tuple[list[float], int]]:
    """The view that shows each measure that has a place, by id (a list click moves there):
    its precision disc (a point's disc of ``precision_m``, a line's, an area's or counties'
    extent grown by it) fitted to the app's map, never closer than ``CONTEXT_ZOOM``; a single
    point stays at the centre."""
    views = {}
    for mid, anchor, outline, _form, metres in _places(selected, basemap):
        shape = anchor if outline is None else outline
        centre, zoom = context_view(grown_bounds([shape], [metres]))
        if shape.geom_type == "Point":
            centre = [anchor.y, anchor.x]
        views[mid] = ([round(centre[0], COORD_DECIMALS), round(centre[1], COORD_DECIMALS)], zoom)
    return views


def focus_view(selected: gpd.GeoDataFrame, measure_id: str, basemap: str = "none") -> tuple[list[float], int] | None:
    """The view that shows the measure ``measure_id`` (see ``focus_views``); None when it has no place."""
    return focus_views(selected[selected["id"] == measure_id], basemap).get(measure_id)
