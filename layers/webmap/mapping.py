"""Build the planner's map with folium: the entry points of the web map.

``base_map`` (``layers.webmap.map_base``) is the part that does not follow the filters;
``overlay_groups`` builds the groups that do (per-action layers from ``layers.webmap.map_layers``,
the chosen districts, the legend, the clusters) and the view to fit; ``highlight_group``
rings the selected measure; ``focus_views`` gives the view a list click moves to;
``build_map`` joins them for exports and tests. Every script the map adds is a file in
``layers/webmap/js`` (``layers.webmap.map_scripts``). Text from the register reaches the page as JSON
and is inserted as text, never as HTML.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.geo.actions import load_actions
from layers.geo.boundaries import load_city
from layers.labels import LIGHT_WORDS
from layers.progress.lights import load_rules
from layers.progress.view import light_counts
from layers.selection.filtering import ZONES, Filters, zone_shapes
from layers.webmap.basemaps import needs_gcj02
from layers.webmap.map_base import (
    APP_MAP_HEIGHT_PX,
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
    "FOCUS_ZOOM",
    "LABEL_CLASS",
    "LARGE_SELECTION",
    "MIN_ZOOM",
    "POINT_CLASS",
    "base_map",
    "build_map",
    "fit_view",
    "focus_view",
    "focus_views",
    "highlight_group",
    "is_large",
    "marker_html",
    "overlay_groups",
    "script_json",
]

#: The zoom a selected point is shown at: its town and the next one around it.
FOCUS_ZOOM = 13

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
    sel_group = _selection_group(chosen, filters, gcj)
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
    return groups, _view_bounds(list(chosen.geometry) or shown.drawn_geometries(), gcj)


def _light_groups(shown: Shown, colours: dict, counts: dict, lang: str) -> list[folium.FeatureGroup]:
    """One group per progress light in the selection, in the legend's order."""
    groups = []
    for code, words in LIGHT_WORDS.items():
        mine = shown.key == code
        if mine.any():
            groups.append(styled_group(shown, mine, colours[code], f"{words[lang]} ({counts[code]})", words[lang]))
    return groups


def _selection_group(chosen: gpd.GeoDataFrame, filters: Filters, gcj: bool) -> folium.FeatureGroup:
    """The chosen counties outlined, and the chosen functional zones dashed."""
    group = folium.FeatureGroup(name="selection", control=False)
    if len(chosen):
        style = {"color": "#333", "weight": 3, "fillOpacity": 0, "interactive": False}
        _FeatureLayer([""] * len(chosen), chosen.geometry.values, style).add_to(group)
    zones = [z for z in filters.districts if z in ZONES]
    if zones:
        zone = _to_display_crs(gpd.GeoDataFrame(geometry=[zone_shapes()[z] for z in zones], crs=4326), gcj)
        style = {"color": "#333", "weight": 2, "dashArray": "8 6", "fillOpacity": 0, "interactive": False}
        _FeatureLayer([""] * len(zones), zone.geometry.values, style).add_to(group)
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


def _view_bounds(focus: list, gcj: bool) -> Bounds:
    """The bounds to fit: ``focus`` (chosen districts, else the drawn selection), else the
    whole city; a single point with its surroundings."""
    if not focus:
        focus = list(_to_display_crs(load_city(), gcj).geometry)
    b = shapely.bounds(np.asarray(focus, dtype=object))
    minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    if maxx - minx < 0.02 and maxy - miny < 0.02:  # a single point: show its surroundings
        minx, miny, maxx, maxy = minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1
    return minx, miny, maxx, maxy


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
    m.location, m.options["zoom"] = fit_view(bounds, width_px=900, height_px=640)
    m.view_bounds = bounds
    return m


def _places(selected: gpd.GeoDataFrame, basemap: str):
    """Each measure of ``selected`` with a place, in display coordinates: (id, anchor, outline,
    form), where the anchor is where its number goes and the outline its own geometry or,
    for a county-wide measure, its counties'."""
    gcj = needs_gcj02(basemap)
    shown = _to_display_crs(_simplify_for_display(selected), gcj)
    counties = _display_counties(gcj)
    by_code = dict(zip(counties["adcode"], counties.geometry.values, strict=True))
    geoms = np.array(shown.geometry.array, dtype=object)
    forms = shown["form"].to_numpy(dtype=object)
    adcodes = shown["county_adcodes"].to_numpy(dtype=object)
    anchors = anchor_points(geoms, forms, adcodes, by_code)
    for mid, outline, form, codes, anchor in zip(shown["id"], geoms, forms, adcodes, anchors, strict=True):
        if anchor is None:
            continue
        if outline is None and form == "county":
            parts = [by_code[c] for c in str(codes).split(",") if c in by_code]
            outline = shapely.union_all(parts) if parts else None
        yield mid, anchor, outline, form


def highlight_group(selected: gpd.GeoDataFrame, measure_id: str | None, basemap: str = "none") -> folium.FeatureGroup:
    """An overlay group that rings the selected measure (empty when there is none). Whether
    it shares its place with other measures is decided as ``overlay_groups`` decides it."""
    group = folium.FeatureGroup(name="highlight", control=False)
    found = list(_places(selected[selected["id"] == measure_id], basemap)) if measure_id else []
    if not found or is_large(selected):  # not selected, or no place (city-wide, outside): no ring
        return group
    ((_, anchor, outline, form),) = found
    payload = {"id": measure_id, "colour": SELECTED_COLOUR}
    payload["ll"] = [round(anchor.y, COORD_DECIMALS), round(anchor.x, COORD_DECIMALS)]
    if outline is not None and form != "point":
        payload["geom"] = json.loads(shapely.to_geojson(shapely.set_precision(outline, 10**-COORD_DECIMALS)))
    _Highlight(payload).add_to(group)
    return group


def focus_views(selected: gpd.GeoDataFrame, basemap: str = "none") -> dict[str, tuple[list[float], int]]:
    """The view that shows each measure that has a place, by id: a point at ``FOCUS_ZOOM``;
    a line, an area or counties fitted to the app's map, at most ``FOCUS_ZOOM``."""
    views = {}
    for mid, anchor, outline, form in _places(selected, basemap):
        if form == "point" or outline is None:
            views[mid] = ([round(anchor.y, COORD_DECIMALS), round(anchor.x, COORD_DECIMALS)], FOCUS_ZOOM)
        else:
            centre, zoom = fit_view(outline.bounds)
            views[mid] = ([round(centre[0], COORD_DECIMALS), round(centre[1], COORD_DECIMALS)], min(zoom, FOCUS_ZOOM))
    return views


def focus_view(selected: gpd.GeoDataFrame, measure_id: str, basemap: str = "none") -> tuple[list[float], int] | None:
    """The view that shows the measure ``measure_id`` (see ``focus_views``); None when it has no place."""
    return focus_views(selected[selected["id"] == measure_id], basemap).get(measure_id)
