"""The web map's base: what does not depend on the filters. The basemap tiles, county
boundaries and names, the context (water, town and county seats, neighbours, the city
outline, attribution) in panes under the overlays, the scale bar; and the geometry helpers
every part of the map shares (display coordinates and simplification, fitting a view).

The map loads Leaflet from the app's own static files (``layers.webmap.offline``), uses only
DivIcon markers (no icon fonts or images from CDNs) and sets ``maxZoom`` itself, so it
draws with no internet.
"""

from __future__ import annotations

import html
import json
import math
from functools import lru_cache

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.geo.boundaries import load_city, load_counties
from layers.geo.coords import transform_geometry, wgs84_to_gcj02
from layers.webmap.basemaps import available_basemaps, needs_gcj02
from layers.webmap.map_scripts import _PlainScriptElement, script_json
from layers.webmap.map_symbols import LABEL_CLASS
from layers.webmap.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL

#: Display simplification in degrees (about 100 m): invisible at the zooms a
#: county map is read at, and it cuts the map payload by about 70 %.
DISPLAY_TOLERANCE = 0.001
MAX_ZOOM = 18
MIN_ZOOM = 5
#: Coordinates sent to the browser are rounded to 1e-5° (about 1 m), far finer than
#: the best precision in the register.
COORD_DECIMALS = 5
#: Town names show from this zoom level (at the city-wide zoom they would cover the map).
TOWN_LABEL_ZOOM = 10
# The narrowest map the app draws: its map column (5/7 of the main area beside the
# sidebar, the list takes the rest) is about 690 px wide in a 1440 px window, 640 px in
# a 1366 px one and 580 px in a 1280 px one. A view computed for a wider map cut off the
# measures at its left and right edges.
APP_MAP_WIDTH_PX = 560
#: The app's map height: with the compact header, the map and the list beside it fit a
#: 1366x768 window without scrolling the page.
APP_MAP_HEIGHT_PX = 540


def _to_display_crs(gdf: gpd.GeoDataFrame, gcj02: bool) -> gpd.GeoDataFrame:
    if not gcj02:
        return gdf
    out = gdf.copy()
    out.geometry = [None if g is None else transform_geometry(g, wgs84_to_gcj02) for g in gdf.geometry]
    return out


@lru_cache(maxsize=2)
def _display_counties_cached(gcj02: bool) -> gpd.GeoDataFrame:
    counties = load_counties()
    counties.geometry = shapely.coverage_simplify(counties.geometry.values, DISPLAY_TOLERANCE)
    return _to_display_crs(counties, gcj02)


def _display_counties(gcj02: bool) -> gpd.GeoDataFrame:
    """County polygons for display: simplified as a coverage, so neighbours keep sharing edges.
    Computed once per process and coordinate system."""
    return _display_counties_cached(gcj02).copy()


def _simplify_for_display(gdf: gpd.GeoDataFrame, large: bool = False) -> gpd.GeoDataFrame:
    """Simplified geometries for display only (twice as coarse for large selections)."""
    out = gdf.copy()
    geoms = np.array(gdf.geometry.array, dtype=object)  # a plain array: no pandas ufunc dispatch
    shaped = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) > 0)  # points need none
    geoms[shaped] = shapely.simplify(geoms[shaped], DISPLAY_TOLERANCE * (2 if large else 1))
    out.geometry = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return out


def fit_view(
    bounds, width_px: int = APP_MAP_WIDTH_PX, height_px: int = APP_MAP_HEIGHT_PX, padding_px: int = 30
) -> tuple[list[float], int]:
    """Centre ``[lat, lon]`` and the largest whole zoom at which ``bounds`` (minx, miny, maxx, maxy)
    fit in a map of ``width_px`` x ``height_px``.

    Computed here rather than left to Leaflet's fitBounds, because the map's
    iframe may not have its size yet when fitBounds runs.
    """
    minx, miny, maxx, maxy = bounds

    def merc_y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max((maxx - minx) / 360.0, 1e-9)
    dy = max((merc_y(maxy) - merc_y(miny)) / (2 * math.pi), 1e-9)
    zx = math.log2((width_px - 2 * padding_px) / 256.0 / dx)
    zy = math.log2((height_px - 2 * padding_px) / 256.0 / dy)
    zoom = int(max(MIN_ZOOM, min(MAX_ZOOM - 2, math.floor(min(zx, zy)))))
    lat_c = math.degrees(math.atan(math.sinh((merc_y(miny) + merc_y(maxy)) / 2)))
    return [lat_c, (minx + maxx) / 2], zoom


class _Labels(_PlainScriptElement):
    """All county names as one non-interactive layer (``js/county_labels.js``): one element,
    not one folium Marker per name (each folium element compiles its own template, which
    dominated the rerun time)."""

    _js = "county_labels"
    _var = "labels"

    def __init__(self, labels, class_name, beside_point=False):
        super().__init__()
        self._name = "CountyLabels"
        self.labels = labels
        self.class_name = class_name
        # Beside a seat's dot (to its right), or centred on the position.
        self.transform = "transform:translate(7px,-50%)" if beside_point else "transform:translate(-50%,-50%)"
        self.payload = script_json({"labels": labels, "class_name": class_name, "transform": self.transform})


class _MetricScale(_PlainScriptElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles too)."""

    _js = "metric_scale"

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class _FocusWithoutScroll(_PlainScriptElement):
    """Leaflet focuses the map on the first mouse press (for its keyboard handler). When the
    map's frame reaches below the window, the browser then scrolls the page to show the
    whole frame, between the press and the release: the release lands beside the marker and
    the planner's first click on a measure did nothing. Focusing with ``preventScroll``
    keeps the page still (``js/focus_without_scroll.js``); keyboard panning and zooming
    still work once the map has focus."""

    _js = "focus_without_scroll"

    def __init__(self):
        super().__init__()
        self._name = "FocusWithoutScroll"


class _CloseTooltipsOnClick(_PlainScriptElement):
    """A click anywhere on the map closes every open tooltip (``js/close_tooltips.js``).
    Leaflet opens a layer's tooltip on a click too (for touch screens) and keeps it while the
    mouse stays on the layer, where it covered what the click had just opened (a cluster's
    spread markers, a county's filter). One listener on the map covers every layer: markers,
    clusters and their members, features, county polygons."""

    _js = "close_tooltips"

    def __init__(self):
        super().__init__()
        self._name = "CloseTooltipsOnClick"


def base_map(basemap: str = "none", lang: str = "zh", tdt_key: str | None = None, large: bool = False) -> folium.Map:
    """The part of the map that does not depend on the filters: basemap, county boundaries
    and names, scale bar. The app keeps it stable across filter changes (streamlit-folium then
    swaps only the overlay groups instead of re-creating the map)."""
    gcj = needs_gcj02(basemap)
    # folium passes max_zoom/min_zoom only to a tile layer; with tiles=None the map itself
    # must carry maxZoom, or Leaflet cannot zoom to layers (domain notes: "Map has no maxZoom").
    m = folium.Map(location=[35.4, 116.7], zoom_start=8, tiles=None, maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)
    if large:
        m.options["preferCanvas"] = True
    _MetricScale().add_to(m)
    _FocusWithoutScroll().add_to(m)
    _CloseTooltipsOnClick().add_to(m)
    # Leaflet from our own server, nothing else: folium's defaults point at CDNs.
    m.default_js = [("leaflet", LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    _add_tiles(m, basemap, lang, tdt_key)
    _county_group(_display_counties(gcj), gcj, lang).add_to(m)
    context_layer(gcj, lang).add_to(m)
    return m


def _add_tiles(m: folium.Map, basemap: str, lang: str, tdt_key: str | None) -> None:
    """The basemap's tiles (and its label tiles), none for the offline basemap."""
    bm = available_basemaps(tdt_key).get(basemap) or available_basemaps(tdt_key)["none"]
    if not bm.url:
        return
    common = {"attr": bm.attribution, "subdomains": bm.subdomains, "max_zoom": MAX_ZOOM, "control": False}
    folium.TileLayer(tiles=bm.url, name=bm.name_zh if lang == "zh" else bm.name_en, **common).add_to(m)
    if bm.overlay_url:
        folium.TileLayer(tiles=bm.overlay_url, name="labels", overlay=True, **common).add_to(m)


def _county_group(counties: gpd.GeoDataFrame, gcj: bool, lang: str) -> folium.FeatureGroup:
    """County boundaries with names; clicking a county selects it (the app reads the click)."""
    cgj = counties[["adcode", "name_zh", "name_en", "geometry"]].copy()
    cgj["layer"] = "county"
    county_group = folium.FeatureGroup(name="县界 / Counties" if lang == "zh" else "Counties", control=False)
    folium.GeoJson(
        json.loads(cgj.to_json(drop_id=True)),
        name="counties",
        # 县级界 dash and dot, as on the printed maps (export_map.BOUNDARY_STYLE).
        style_function=lambda f: {
            "color": "#666",
            "weight": 1.2,
            "dashArray": "7 3 1.5 3",
            "fillColor": "#ffffff",
            "fillOpacity": 0.02,
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["name_zh" if lang == "zh" else "name_en"], labels=False),
    ).add_to(county_group)
    # County names beside their seats (the dots of the context layer), as on Chinese maps.
    seats = {s[2]: s[:2] for s in _context_payload(gcj, "zh")["seats"]}
    labels = []
    for rec in counties.itertuples():
        lat, lon = seats[rec.name_zh]
        labels.append([lat, lon, rec.name_zh if lang == "zh" else rec.name_en.split()[0]])
    _Labels(labels, LABEL_CLASS, beside_point=True).add_to(county_group)
    return county_group


class _ContextLayer(_PlainScriptElement):
    """Water, town and county seats, neighbours' names and the city outline, under the
    measures (``js/context.js``).

    Drawn in panes of their own below the overlays and with no pointer events, so clicks
    still reach counties and measures. Town names appear from zoom level ``TOWN_LABEL_ZOOM``.
    """

    _js = "context"
    _var = "c"

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "Context"
        self.payload = script_json(payload)


def _named_points(ctx: gpd.GeoDataFrame, kind: str, lang: str) -> list[list]:
    """[lat, lon, name] of the context's points of one kind."""
    name = "name_zh" if lang == "zh" else "name_en"
    sel = ctx[ctx["kind"] == kind]
    names = sel[name]
    if kind == "town":
        # Towns and townships before streets: streets crowd the urban centres.
        sel = sel.assign(_street=sel["name_zh"].str.endswith("街道")).sort_values("_street", kind="stable")
        names = sel[name] if lang == "zh" else sel[name].str.replace(r" (Town|Township|Subdistrict)$", "", regex=True)
    return [[round(g.y, 5), round(g.x, 5), n] for g, n in zip(sel.geometry, names, strict=True)]


def _water(ctx: gpd.GeoDataFrame, lang: str) -> tuple[dict, list[list]]:
    """Lakes, rivers and the canal as GeoJSON, and where their names go."""
    water = ctx[ctx["kind"].isin(["lake", "river", "canal"])]
    feats = [
        {
            "type": "Feature",
            "properties": {"k": k},
            "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 1e-5))),
        }
        for k, g in zip(water["kind"], water.geometry, strict=True)
    ]
    water_names = []
    for n, g in zip(water["name_zh" if lang == "zh" else "name_en"], water.geometry, strict=True):
        p = g.representative_point() if g.geom_type.endswith("Polygon") else g.interpolate(0.55, normalized=True)
        water_names.append([round(p.y, 5), round(p.x, 5), n])
    return {"type": "FeatureCollection", "features": feats}, water_names


@lru_cache(maxsize=4)
def _context_payload(gcj02: bool, lang: str) -> dict:
    from layers.geo.context import ATTRIBUTION_SHORT, context_for_map

    ctx = _to_display_crs(context_for_map(), gcj02)
    city = _to_display_crs(load_city(), gcj02)
    city.geometry = city.geometry.simplify(DISPLAY_TOLERANCE)
    water, water_names = _water(ctx, lang)
    return {
        "water": water,
        "city": json.loads(shapely.to_geojson(shapely.set_precision(city.geometry.iloc[0], 1e-5))),
        "towns": _named_points(ctx, "town", lang),
        "seats": _named_points(ctx, "county_seat", lang),
        "neighbours": _named_points(ctx, "neighbour", lang),
        "water_names": water_names,
        "label_zoom": TOWN_LABEL_ZOOM,
        "attribution": html.escape(ATTRIBUTION_SHORT[lang]),
    }


def context_layer(gcj02: bool, lang: str) -> _ContextLayer:
    """The context element for a map (payload computed once per coordinate system and language)."""
    return _ContextLayer(_context_payload(gcj02, lang))
