"""Build the planner's map with folium: one layer per action, county boundaries, legend.

The map loads Leaflet from the app's own static files (``layers.offline``), uses
only DivIcon markers (no icon fonts or images from CDNs) and sets ``maxZoom``
itself, so it draws with no internet. Text from the register is HTML-escaped
before it reaches a tooltip, because Leaflet inserts tooltip text as HTML.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement, Template

from layers.actions import load_actions
from layers.basemaps import available_basemaps, needs_gcj02
from layers.boundaries import load_city, load_counties
from layers.coords import transform_geometry, wgs84_to_gcj02
from layers.filtering import ZONES, Filters, zone_shapes
from layers.labels import KIND, PRECISION
from layers.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL

#: Display simplification in degrees (about 100 m): invisible at the zooms a
#: county map is read at, and it cuts the map payload by about 70 %.
DISPLAY_TOLERANCE = 0.001
MAX_ZOOM = 18
MIN_ZOOM = 5
POINT_CLASS = "jn-point"
LABEL_CLASS = "jn-label"

_MARKER = (
    '<div title="{title}" style="width:22px;height:22px;border-radius:50%;box-sizing:border-box;'
    "display:flex;align-items:center;justify-content:center;font:bold 12px sans-serif;"
    'box-shadow:0 0 2px #000;{style}">{symbol}</div>'
)


def marker_html(colour: str, symbol: str, approximate: bool, title: str = "") -> str:
    """A round marker: filled in the action colour when exact, hollow with a dashed ring when approximate."""
    style = (
        f"background:#fff;border:2px dashed {colour};color:{colour};"
        if approximate
        else f"background:{colour};border:2px solid {colour};color:#fff;"
    )
    return _MARKER.format(title=html.escape(title), style=style, symbol=html.escape(symbol))


def _to_display_crs(gdf: gpd.GeoDataFrame, gcj02: bool) -> gpd.GeoDataFrame:
    if not gcj02:
        return gdf
    out = gdf.copy()
    out.geometry = [None if g is None else transform_geometry(g, wgs84_to_gcj02) for g in gdf.geometry]
    return out


def _display_counties(gcj02: bool) -> gpd.GeoDataFrame:
    """County polygons for display: simplified as a coverage, so neighbours keep sharing edges."""
    counties = load_counties()
    counties.geometry = shapely.coverage_simplify(counties.geometry.values, DISPLAY_TOLERANCE)
    return _to_display_crs(counties, gcj02)


def _simplify_for_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.geometry = [None if g is None else g.simplify(DISPLAY_TOLERANCE) for g in gdf.geometry]
    return out


def _feature_props(projects: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    actions = load_actions()
    name = "name_zh" if lang == "zh" else "name_en"
    title = "title_zh" if lang == "zh" else "title_en"
    out = gpd.GeoDataFrame(
        {
            "id": projects["id"],
            "title": projects[title].map(html.escape),
            "action_name": projects["action"].map(lambda a: html.escape(actions.loc[a, name])),
            "kind_label": projects["kind"].map(lambda k: KIND[k][lang]),
            "precision_label": projects["precision"].map(lambda p: PRECISION.get(p, {}).get(lang, p)),
        },
        geometry=projects.geometry.values,
        crs=projects.crs,
        index=projects.index,
    )
    return out


def _tooltip(lang: str) -> folium.GeoJsonTooltip:
    labels = {"zh": ["", "行动", "类型", "位置精度"], "en": ["", "Action", "Kind", "Precision"]}[lang]
    return folium.GeoJsonTooltip(
        fields=["title", "action_name", "kind_label", "precision_label"], aliases=labels, localize=False, sticky=True
    )


def _geojson(gdf, style, name, lang, marker=None):
    return folium.GeoJson(
        json.loads(gdf.to_json(drop_id=True)),
        name=name,
        style_function=lambda _f, s=style: s,
        highlight_function=lambda _f: {"weight": 5, "fillOpacity": 0.45},
        tooltip=_tooltip(lang),
        marker=marker,
        zoom_on_click=False,
    )


class _Legend(MacroElement):
    """A fixed legend box drawn inside the map (plain HTML, no external assets)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="jn-legend" style="position:absolute;z-index:9999;bottom:44px;left:10px;background:#fff;
             padding:4px 6px;border:1px solid #999;border-radius:4px;font:11px sans-serif;max-width:230px;
             opacity:0.92">
          {{ this.body }}
        </div>
        {% endmacro %}
        {% macro script(this, kwargs) %}{% endmacro %}
        """
    )

    def __init__(self, body: str):
        super().__init__()
        self._name = "Legend"
        self.body = body


class _MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def legend_html(action_ids, lang: str) -> str:
    actions = load_actions()
    name = "name_zh" if lang == "zh" else "name_en"
    rows = []
    for a in action_ids:
        rec = actions.loc[a]
        rows.append(
            f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
            f"{marker_html(rec['colour'], rec['symbol'], False)}<span>{a}. {html.escape(rec[name])}</span></div>"
        )
    text = {
        "zh": ("近似位置(镇/县级)", "近似线/面(示意)", "县域措施所在县", "示意图,边界不作权属依据"),
        "en": (
            "approximate location (town/county)",
            "approximate line/area (schematic)",
            "county of a county-wide measure",
            "Schematic map; boundaries are no basis for ownership",
        ),
    }[lang]
    rows.append(
        f'<div style="display:flex;align-items:center;gap:4px;margin:4px 0 2px">'
        f"{marker_html('#444', '·', True)}<span>{text[0]}</span></div>"
        f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
        f'<svg width="22" height="10"><line x1="0" y1="5" x2="22" y2="5" stroke="#444" stroke-width="3" '
        f'stroke-dasharray="6 4"/></svg><span>{text[1]}</span></div>'
        f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
        f'<svg width="22" height="12"><rect x="1" y="1" width="20" height="10" fill="#444" fill-opacity="0.15" '
        f'stroke="#444" stroke-dasharray="2 3"/></svg><span>{text[2]}</span></div>'
        f'<div style="color:#666;margin-top:4px">{text[3]}</div>'
    )
    return "".join(rows)


def fit_view(bounds, width_px: int = 900, height_px: int = 640, padding_px: int = 30) -> tuple[list[float], int]:
    """Centre ``[lat, lon]`` and the largest whole zoom at which ``bounds`` (minx, miny, maxx, maxy) fit.

    Computed here rather than left to Leaflet's fitBounds, because the map's
    iframe may not have its size yet when fitBounds runs.
    """
    import math

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


def build_map(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
    tdt_key: str | None = None,
) -> folium.Map:
    """The map of the selected measures. ``selected`` comes from ``filter_projects``."""
    filters = filters or Filters()
    gcj = needs_gcj02(basemap)
    actions = load_actions()
    counties = _display_counties(gcj)
    city = _to_display_crs(load_city(), gcj)

    # folium passes max_zoom/min_zoom only to a tile layer; with tiles=None the map itself
    # must carry maxZoom, or Leaflet cannot zoom to layers (domain notes: "Map has no maxZoom").
    m = folium.Map(location=[35.4, 116.7], zoom_start=8, tiles=None, maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)
    _MetricScale().add_to(m)
    # Leaflet from our own server, nothing else: folium's defaults point at CDNs.
    m.default_js = [("leaflet", LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]

    bm = available_basemaps(tdt_key).get(basemap) or available_basemaps(tdt_key)["none"]
    if bm.url:
        folium.TileLayer(
            tiles=bm.url,
            attr=bm.attribution,
            name=bm.name_zh if lang == "zh" else bm.name_en,
            subdomains=bm.subdomains,
            max_zoom=MAX_ZOOM,
            control=False,
        ).add_to(m)
        if bm.overlay_url:
            folium.TileLayer(
                tiles=bm.overlay_url,
                attr=bm.attribution,
                name="labels",
                subdomains=bm.subdomains,
                max_zoom=MAX_ZOOM,
                overlay=True,
                control=False,
            ).add_to(m)

    # County boundaries with names; clicking a county selects it (the app reads the click).
    selected_counties = set(filters.districts)
    cgj = counties[["adcode", "name_zh", "name_en", "geometry"]].copy()
    cgj["layer"] = "county"
    county_group = folium.FeatureGroup(name="县界 / Counties" if lang == "zh" else "Counties", control=True)
    folium.GeoJson(
        json.loads(cgj.to_json(drop_id=True)),
        name="counties",
        style_function=lambda f: {
            "color": "#333" if f["properties"]["adcode"] in selected_counties else "#777",
            "weight": 3 if f["properties"]["adcode"] in selected_counties else 1.2,
            "fillColor": "#ffffff",
            "fillOpacity": 0.02,
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["name_zh" if lang == "zh" else "name_en"], labels=False),
    ).add_to(county_group)
    for rec in counties.itertuples():
        p = rec.geometry.representative_point()
        label = rec.name_zh if lang == "zh" else rec.name_en.split()[0]
        folium.Marker(
            [p.y, p.x],
            icon=folium.DivIcon(
                html=f'<div style="font:12px sans-serif;color:#555;white-space:nowrap;'
                f'transform:translate(-50%,-50%);text-shadow:0 0 3px #fff">{label}</div>',
                class_name=LABEL_CLASS,
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(county_group)
    for z in filters.districts:
        if z in ZONES:
            zone = _to_display_crs(gpd.GeoDataFrame(geometry=[zone_shapes()[z]], crs=4326), gcj)
            folium.GeoJson(
                json.loads(zone.to_json(drop_id=True)),
                style_function=lambda _f: {"color": "#333", "weight": 2, "dashArray": "8 6", "fillOpacity": 0},
            ).add_to(county_group)
    county_group.add_to(m)

    shown = _to_display_crs(_simplify_for_display(selected), gcj)
    props = _feature_props(shown, lang)
    bounds_parts = []
    for a in sorted(shown["action"].unique()):
        rec = actions.loc[a]
        colour, symbol = rec["colour"], rec["symbol"]
        group = folium.FeatureGroup(name=f"{symbol} {a}. {rec['name_zh' if lang == 'zh' else 'name_en']}")
        mine = shown["action"] == a
        forms = shown["form"]
        for coarse in (True, False):
            # Areas known only to a county are drawn fainter, so they do not hide finer ones.
            areas = props[mine & (forms == "area") & ((shown["precision_m"] > 15000) == coarse)]
            if len(areas):
                _geojson(
                    areas,
                    {
                        "color": colour,
                        "weight": 2,
                        "dashArray": "6 4",
                        "fillColor": colour,
                        "fillOpacity": 0.1 if coarse else 0.3,
                    },
                    "areas",
                    lang,
                ).add_to(group)
        lines = props[mine & (forms == "line")]
        if len(lines):
            _geojson(lines, {"color": colour, "weight": 4, "dashArray": "8 6", "opacity": 0.9}, "lines", lang).add_to(
                group
            )
        cw = shown[mine & (forms == "county")]
        if len(cw):
            rows = []
            for r in cw.itertuples():
                for code in r.county_adcodes.split(","):
                    rows.append({"id": r.id, "adcode": code})
            hl = counties.merge(gpd.pd.DataFrame(rows), on="adcode")
            hl_props = props.loc[cw.index].drop(columns="geometry").merge(hl[["id", "geometry"]], on="id")
            hl_gdf = gpd.GeoDataFrame(hl_props, geometry="geometry", crs=4326)
            _geojson(
                hl_gdf,
                {"color": colour, "weight": 2, "dashArray": "2 6", "fillColor": colour, "fillOpacity": 0.12},
                "county-wide",
                lang,
            ).add_to(group)
            bounds_parts.append(hl_gdf.geometry)
        for approximate in (False, True):
            pts = props[mine & (forms == "point") & (shown["approximate"].astype(bool) == approximate)]
            if len(pts):
                icon = folium.DivIcon(
                    html=marker_html(colour, symbol, approximate),
                    class_name=f"{POINT_CLASS} {'jn-approx' if approximate else 'jn-exact'}",
                    icon_size=(22, 22),
                    icon_anchor=(11, 11),
                )
                _geojson(pts, {}, "points", lang, marker=folium.Marker(icon=icon)).add_to(group)
        group.add_to(m)
        bounds_parts.append(shown[mine].geometry.dropna())

    drawn = sorted(shown.loc[shown.geometry.notna() | (shown["form"] == "county"), "action"].unique())
    _Legend(legend_html(drawn, lang)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)

    # Fit the view: chosen districts first, else the drawn selection, else the whole city.
    focus = [g for g in counties[counties["adcode"].isin(selected_counties)].geometry]
    if not focus:
        focus = [g for part in bounds_parts for g in part if g is not None]
    if not focus:
        focus = list(city.geometry)
    minx, miny, maxx, maxy = shapely.union_all(focus).bounds
    if maxx - minx < 0.02 and maxy - miny < 0.02:  # a single point: show its surroundings
        minx, miny, maxx, maxy = minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1
    m.location, m.options["zoom"] = fit_view((minx, miny, maxx, maxy))
    m.view_bounds = (minx, miny, maxx, maxy)
    return m
