"""Build the planner's map with folium: one layer per action, county boundaries, legend.

The map loads Leaflet from the app's own static files (``layers.offline``), uses
only DivIcon markers (no icon fonts or images from CDNs) and sets ``maxZoom``
itself, so it draws with no internet. Text from the register is HTML-escaped
before it reaches a tooltip, because Leaflet inserts tooltip text as HTML.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement, Template

from layers.actions import load_actions
from layers.basemaps import available_basemaps, needs_gcj02
from layers.boundaries import load_city, load_counties
from layers.coords import transform_geometry, wgs84_to_gcj02
from layers.filtering import ZONES, Filters, zone_shapes
from layers.labels import KIND, PRECISION, t
from layers.numbering import measure_numbers
from layers.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL

#: Display simplification in degrees (about 100 m): invisible at the zooms a
#: county map is read at, and it cuts the map payload by about 70 %.
DISPLAY_TOLERANCE = 0.001
MAX_ZOOM = 18
#: Above this many drawn measures the map switches to its large-selection mode:
#: points become canvas circle markers (no DOM element each), and there are no
#: tooltips or hover highlights. Chosen by measurement (bench/, docs/performance.md).
LARGE_SELECTION = 1500
#: Coordinates sent to the browser are rounded to 1e-5° (about 1 m), far finer than
#: the best precision in the register.
COORD_DECIMALS = 5
MIN_ZOOM = 5
POINT_CLASS = "jn-point"
BADGE_CLASS = "jn-badge"
CLUSTER_CLASS = "jn-cluster"
MEMBER_CLASS = "jn-member"
LABEL_CLASS = "jn-label"

_MARKER = (
    '<div title="{title}" style="width:22px;height:22px;border-radius:50%;box-sizing:border-box;'
    "display:flex;align-items:center;justify-content:center;font:bold {font} sans-serif;"
    'box-shadow:0 0 2px #000;{style}">{symbol}</div>'
)
#: In a numbered marker's HTML, the script puts the measure's number here, and a font
#: size that fits it in the disc (12 px up to 99, 10 px up to 999, 8 px beyond).
NUMBER_SLOT = "@N@"
FONT_SLOT = "@F@"


def marker_html(colour: str, symbol: str, approximate: bool, title: str = "", font: str = "12px") -> str:
    """A round marker: filled in the action colour when exact, hollow with a dashed ring when approximate."""
    style = (
        f"background:#fff;border:2px dashed {colour};color:{colour};"
        if approximate
        else f"background:{colour};border:2px solid {colour};color:#fff;"
    )
    return _MARKER.format(title=html.escape(title), style=style, symbol=html.escape(symbol), font=font)


def badge_html(colour: str) -> str:
    """The number of a line, area or county-wide measure: a white tag ringed in the action colour."""
    return (
        f'<div style="min-width:20px;height:18px;padding:0 3px;border-radius:4px;box-sizing:border-box;'
        f"display:flex;align-items:center;justify-content:center;font:bold {FONT_SLOT} sans-serif;"
        f'background:#fff;border:2px solid {colour};color:{colour};box-shadow:0 0 2px #000">{NUMBER_SLOT}</div>'
    )


CLUSTER_HTML = (
    '<div style="width:28px;height:28px;border-radius:50%;box-sizing:border-box;display:flex;'
    "align-items:center;justify-content:center;font:bold 12px sans-serif;background:#333;color:#fff;"
    'border:3px double #fff;box-shadow:0 0 3px #000">@N@</div>'
)


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


class _Labels(MacroElement):
    """All county names as one non-interactive layer: one element, not one folium Marker per
    name (each folium element compiles its own template, which dominated the rerun time)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var labels = {{ this.labels|tojson }};
          labels.forEach(function(l) {
            // The name goes in as text, never as HTML.
            var div = document.createElement("div");
            div.style.cssText = "width:max-content;font:12px sans-serif;color:#444;white-space:nowrap;"
                + {{ this.transform|tojson }} + ";text-shadow:0 0 3px #fff,0 0 3px #fff";
            div.textContent = l[2];
            L.marker([l[0], l[1]], {interactive: false, keyboard: false, icon: L.divIcon({
              className: {{ this.class_name|tojson }}, iconSize: [0, 0], html: div
            })}).addTo({{ this._parent.get_name() }});
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, labels, class_name, beside_point=False):
        super().__init__()
        self._name = "CountyLabels"
        self.labels = labels
        self.class_name = class_name
        # Beside a seat's dot (to its right), or centred on the position.
        self.transform = "transform:translate(7px,-50%)" if beside_point else "transform:translate(-50%,-50%)"


def _simplify_for_display(gdf: gpd.GeoDataFrame, large: bool = False) -> gpd.GeoDataFrame:
    """Simplified geometries for display only (twice as coarse for large selections)."""
    out = gdf.copy()
    geoms = np.array(gdf.geometry.array, dtype=object)  # a plain array: no pandas ufunc dispatch
    shaped = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) > 0)  # points need none
    geoms[shaped] = shapely.simplify(geoms[shaped], DISPLAY_TOLERANCE * (2 if large else 1))
    out.geometry = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return out


#: Jinja's ``tojson`` escapes these so that JSON placed inside a <script> element can never
#: close it; our payloads are written by hand (see _FeatureLayer), so they get the same.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def script_json(obj) -> str:
    """JSON that is safe to embed in a <script> element or to eval."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


class _Script(Element):
    """Script text added to the page as it is: never compiled or rendered as a template."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _PlainScriptElement(MacroElement):
    """An element whose script is added to the page as plain text. branca's
    MacroElement.render wraps the rendered script in a new Element, which compiles it as a
    Jinja template: that lexed megabytes of data on every rerun, and text such as
    "{{ ... }}" in an imported title would have been evaluated when the page is rendered."""

    def render(self, **kwargs):
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_Script(script), name=self.get_name())


class _FeatureLayer(_PlainScriptElement):
    """One styled GeoJSON layer drawn from a compact payload.

    folium.GeoJson compiles several Jinja templates per instance, writes the full style
    into every feature and binds tooltips from an HTML string; with a dozen layers per
    rerun that dominated the script time (bench/, docs/performance.md). This element has
    one template compiled once, sends ids, point coordinates as a flat array, other
    geometries as GeoJSON, and the style once per layer. Tooltip text is inserted with
    ``textContent``, never as HTML. Features keep ``properties.id``, so a click reaches the
    app through streamlit-folium exactly as before.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var d = {{ this.payload }};
          var feats = [];
          for (var i = 0; i < d.id.length; i++) {
            var g = d.xy ? {type: "Point", coordinates: [d.xy[2 * i], d.xy[2 * i + 1]]} : d.geom[i];
            feats.push({type: "Feature", geometry: g, properties: {id: d.id[i]}, _i: i});
          }
          var gj;
          var opts = {style: function() { return d.style; }};
          if (d.mode === "circle") {
            opts.pointToLayer = function(f, ll) { return L.circleMarker(ll, d.style); };
          } else if (d.mode === "marker") {
            var icon = L.divIcon(d.icon);
            opts.pointToLayer = function(f, ll) {
              if (!d.n) { return L.marker(ll, {icon: icon}); }
              // A numbered marker: the number (an integer) goes into the icon's slot.
              var n = d.n[f._i];
              var html = d.icon.html.replace("@N@", String(n)).replace("@F@", n < 100 ? "12px" : n < 1000 ? "10px" : "8px");
              return L.marker(ll, {icon: L.divIcon(Object.assign({}, d.icon, {html: html}))});
            };
          }
          if (d.tip || d.highlight) {
            opts.onEachFeature = function(f, layer) {
              var i = f._i;
              if (d.tip) {
                layer.bindTooltip(function() {
                  var box = document.createElement("div");
                  d.tip[i].forEach(function(text, k) {
                    var line = document.createElement("div");
                    if (k === 0) { line.style.fontWeight = "bold"; }
                    line.textContent = (d.labels[k] ? d.labels[k] + ": " : "") + text;
                    box.appendChild(line);
                  });
                  return box;
                }, {sticky: true});
              }
              if (d.highlight && layer.setStyle) {
                layer.on("mouseover", function() { layer.setStyle(d.highlight); });
                layer.on("mouseout", function() { gj.resetStyle(layer); });
              }
            };
          }
          gj = L.geoJSON({type: "FeatureCollection", features: feats}, opts);
          gj.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, ids, geoms, style, mode="path", icon=None, tips=None, labels=None, highlight=None, numbers=None):
        super().__init__()
        self._name = "FeatureLayer"
        self.mode = mode
        self.ids = list(ids)
        self.geoms = np.asarray(geoms, dtype=object)
        meta = {"mode": mode, "style": style, "id": self.ids}
        if icon:
            meta["icon"] = icon
        self.numbers = None if numbers is None else [int(n) for n in numbers]
        if numbers is not None:
            meta["n"] = self.numbers
        if tips is not None:
            meta["tip"], meta["labels"] = tips, labels
        if highlight:
            meta["highlight"] = highlight
        # Plain points travel as flat coordinates; a MultiPoint (several sites of one measure)
        # needs its GeoJSON, and Leaflet then puts the measure's marker on each of its points.
        if mode == "path" or not (shapely.get_type_id(self.geoms) == 0).all():
            rounded = shapely.transform(self.geoms, lambda xy: np.round(xy, COORD_DECIMALS))
            geo = ",".join(shapely.to_geojson(rounded).tolist())
            body = f',"geom":[{geo}]'
        else:
            xy = np.round(shapely.get_coordinates(self.geoms), COORD_DECIMALS).ravel().tolist()
            body = ',"xy":' + json.dumps(xy)
        # Geometry JSON comes from shapely and numbers only; the rest goes through script_json.
        self.payload = script_json(meta)[:-1] + body + "}"

    def feature_collection(self) -> dict:
        """The features this layer draws, as GeoJSON (ids and geometries, before rounding to
        ``COORD_DECIMALS``), for tests and checks."""
        geoms = json.loads("[" + ",".join(shapely.to_geojson(self.geoms).tolist()) + "]")
        return {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": g, "properties": {"id": i}}
                for i, g in zip(self.ids, geoms, strict=True)
            ],
        }


def _tip_columns(gdf: gpd.GeoDataFrame, lang: str) -> tuple[list, list, list]:
    """Per-feature tooltip text: title, kind and precision, in the UI language."""
    kinds = {k: v[lang] for k, v in KIND.items()}
    precisions = {k: v[lang] for k, v in PRECISION.items()}
    return (
        gdf["title_zh" if lang == "zh" else "title_en"].tolist(),
        [kinds.get(k, k) for k in gdf["kind"].tolist()],
        [precisions.get(p, p) for p in gdf["precision"].tolist()],
    )


HIGHLIGHT = {"weight": 5, "fillOpacity": 0.45}


class _MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class _FocusWithoutScroll(MacroElement):
    """Leaflet focuses the map on the first mouse press (for its keyboard handler). When the
    map's frame reaches below the window, the browser then scrolls the page to show the
    whole frame, between the press and the release: the release lands beside the marker and
    the planner's first click on a measure did nothing. Focusing with ``preventScroll``
    keeps the page still; keyboard panning and zooming still work once the map has focus."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(kb) {
          if (!kb) { return; }
          kb.disable();
          kb._onMouseDown = function() {
            if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); }
          };
          kb.enable();
        })({{ this._parent.get_name() }}.keyboard);
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
    text = [t(k, lang) for k in ("legend_approx_point", "legend_approx_shape", "legend_county", "legend_note")]
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


# The narrowest map the app draws: its map column (5/7 of the main area beside the
# sidebar, the list takes the rest) is about 690 px wide in a 1440 px window, 640 px in
# a 1366 px one and 580 px in a 1280 px one. A view computed for a wider map cut off the
# measures at its left and right edges.
APP_MAP_WIDTH_PX = 560
#: The app's map height: with the compact header, the map and the list beside it fit a
#: 1366x768 window without scrolling the page.
APP_MAP_HEIGHT_PX = 540


def fit_view(
    bounds, width_px: int = APP_MAP_WIDTH_PX, height_px: int = APP_MAP_HEIGHT_PX, padding_px: int = 30
) -> tuple[list[float], int]:
    """Centre ``[lat, lon]`` and the largest whole zoom at which ``bounds`` (minx, miny, maxx, maxy)
    fit in a map of ``width_px`` x ``height_px``.

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


def base_map(basemap: str = "none", lang: str = "zh", tdt_key: str | None = None, large: bool = False) -> folium.Map:
    """The part of the map that does not depend on the filters: basemap, county boundaries
    and names, scale bar. The app keeps it stable across filter changes (streamlit-folium then
    swaps only the overlay groups instead of re-creating the map)."""
    gcj = needs_gcj02(basemap)
    counties = _display_counties(gcj)
    # folium passes max_zoom/min_zoom only to a tile layer; with tiles=None the map itself
    # must carry maxZoom, or Leaflet cannot zoom to layers (domain notes: "Map has no maxZoom").
    m = folium.Map(location=[35.4, 116.7], zoom_start=8, tiles=None, maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)
    if large:
        m.options["preferCanvas"] = True
    _MetricScale().add_to(m)
    _FocusWithoutScroll().add_to(m)
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
    county_group.add_to(m)
    context_layer(gcj, lang).add_to(m)
    return m


class _ContextLayer(_PlainScriptElement):
    """Water, town and county seats, neighbours' names and the city outline, under the measures.

    Drawn in panes of their own below the overlays and with no pointer events, so clicks
    still reach counties and measures. Town names appear from zoom level ``TOWN_LABEL_ZOOM``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var c = {{ this.payload }};
          var map = {{ this._parent.get_name() }};
          function pane(name, z) {
            if (!map.getPane(name)) {
              map.createPane(name);
              map.getPane(name).style.zIndex = z;
              map.getPane(name).style.pointerEvents = "none";
            }
            return name;
          }
          var under = pane("jn-context", 350), names = pane("jn-context-names", 450);
          L.geoJSON(c.water, {pane: under, interactive: false, style: function(f) {
            return f.properties.k === "lake"
              ? {color: "#6a9fcf", weight: 1, fillColor: "#b7d6f0", fillOpacity: 0.85}
              : {color: "#5b93c9", weight: f.properties.k === "canal" ? 2.4 : 2, opacity: 0.9};
          }}).addTo(map);
          // 市界: a pale band under a dash with two dots, as on the printed maps.
          L.geoJSON(c.city, {pane: under, interactive: false,
            style: {color: "#e8cfcf", weight: 7, opacity: 0.9, fill: false}}).addTo(map);
          L.geoJSON(c.city, {pane: under, interactive: false,
            style: {color: "#333", weight: 2.2, dashArray: "10 3 1.5 3 1.5 3", fill: false}}).addTo(map);
          function label(lat, lon, text, css) {
            var div = document.createElement("div");
            // max-content: the element is as wide as its text, so -50% centres it and its box is the text's.
            div.style.cssText = "width:max-content;white-space:nowrap;transform:translate(-50%,-50%);" + css;
            div.textContent = text;  // names go in as text, never as HTML
            return L.marker([lat, lon], {pane: names, interactive: false, keyboard: false,
              icon: L.divIcon({className: "jn-context-label", iconSize: [0, 0], html: div})});
          }
          c.towns.forEach(function(t) {
            L.circleMarker([t[0], t[1]], {pane: under, radius: 2.2, color: "#777", weight: 1,
              fillColor: "#fff", fillOpacity: 1, interactive: false}).addTo(map);
          });
          c.seats.forEach(function(t) {
            L.circleMarker([t[0], t[1]], {pane: under, radius: 3.5, color: "#333", weight: 1,
              fillColor: "#333", fillOpacity: 1, interactive: false}).addTo(map);
          });
          c.water_names.forEach(function(t) {
            label(t[0], t[1], t[2], "font:italic 12px sans-serif;color:#2f6ea5;text-shadow:0 0 3px #fff").addTo(map);
          });
          c.neighbours.forEach(function(t) {
            label(t[0], t[1], t[2], "font:12px sans-serif;color:#999;text-shadow:0 0 3px #fff").addTo(map);
          });
          // Town names from c.label_zoom on, placed greedily so that no two overlap and none
          // covers a county name (towns before streets, which crowd the urban centres).
          var townNames = L.layerGroup().addTo(map);
          var measure = document.createElement("canvas").getContext("2d");
          function width(text, font) { measure.font = font; return measure.measureText(text).width; }
          function place() {
            townNames.clearLayers();
            if (map.getZoom() < c.label_zoom) { return; }
            var boxes = c.seats.map(function(t) {
              var p = map.latLngToContainerPoint([t[0], t[1]]);
              return [p.x - 5, p.y - 9, p.x + 9 + width(t[2], "12px sans-serif"), p.y + 9];
            });
            var size = map.getSize(), frame = map.getContainer().getBoundingClientRect();
            // Nor under the map's own boxes (zoom buttons, scale bar, attribution, legend) or a measure.
            map.getContainer().querySelectorAll(".leaflet-control, .jn-legend, .leaflet-marker-icon:not(.jn-context-label)").forEach(function(el) {
              var r = el.getBoundingClientRect();
              boxes.push([r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top]);
            });
            c.towns.forEach(function(t) {
              var p = map.latLngToContainerPoint([t[0], t[1]]);
              var w = width(t[2], "11px sans-serif") + 4;
              var b = [p.x - w / 2, p.y + 3, p.x + w / 2, p.y + 17];
              if (b[0] < 0 || b[1] < 0 || b[2] > size.x || b[3] > size.y) { return; }  // never cut at the edge
              var hit = boxes.some(function(o) { return b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]; });
              if (hit) { return; }
              boxes.push(b);
              label(t[0], t[1], t[2], "font:11px sans-serif;color:#555;margin-top:10px;text-shadow:0 0 3px #fff").addTo(townNames);
            });
          }
          map.on("zoomend moveend", place);
          // The measures arrive after the base map (and change with the filters): place again then.
          var pending = null;
          map.on("layeradd", function(e) {
            if (e.layer.options && e.layer.options.pane === names) { return; }  // our own names
            if (pending) { clearTimeout(pending); }
            pending = setTimeout(function() { pending = null; place(); }, 50);
          });
          place();
          if (map.attributionControl) {
            map.attributionControl.addAttribution(c.attribution);
            map.attributionControl.getContainer().style.fontSize = "10px";
          }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "Context"
        self.payload = script_json(payload)


#: Town names show from this zoom level (at the city-wide zoom they would cover the map).
TOWN_LABEL_ZOOM = 10


@lru_cache(maxsize=4)
def _context_payload(gcj02: bool, lang: str) -> dict:
    from layers.context import ATTRIBUTION_SHORT, context_for_map

    ctx = _to_display_crs(context_for_map(), gcj02)
    city = _to_display_crs(load_city(), gcj02)
    city.geometry = city.geometry.simplify(DISPLAY_TOLERANCE)
    name = "name_zh" if lang == "zh" else "name_en"

    def pts(kind):
        sel = ctx[ctx["kind"] == kind]
        names = sel[name]
        if kind == "town":
            # Towns and townships before streets: streets crowd the urban centres.
            sel = sel.assign(_street=sel["name_zh"].str.endswith("街道")).sort_values("_street", kind="stable")
            names = (
                sel[name] if lang == "zh" else sel[name].str.replace(r" (Town|Township|Subdistrict)$", "", regex=True)
            )
        return [[round(g.y, 5), round(g.x, 5), n] for g, n in zip(sel.geometry, names, strict=True)]

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
    for n, g in zip(water[name], water.geometry, strict=True):
        p = g.representative_point() if g.geom_type.endswith("Polygon") else g.interpolate(0.55, normalized=True)
        water_names.append([round(p.y, 5), round(p.x, 5), n])
    return {
        "water": {"type": "FeatureCollection", "features": feats},
        "city": json.loads(shapely.to_geojson(shapely.set_precision(city.geometry.iloc[0], 1e-5))),
        "towns": pts("town"),
        "seats": pts("county_seat"),
        "neighbours": pts("neighbour"),
        "water_names": water_names,
        "label_zoom": TOWN_LABEL_ZOOM,
        "attribution": html.escape(ATTRIBUTION_SHORT[lang]),
    }


def context_layer(gcj02: bool, lang: str) -> _ContextLayer:
    """The context element for a map (payload computed once per coordinate system and language)."""
    return _ContextLayer(_context_payload(gcj02, lang))


class _LegendControl(MacroElement):
    """The legend, placed by script so it can live in an overlay group and change with it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var box = {{ this.map_name }}.getContainer();
          var old = box.querySelector(".jn-legend");
          if (old) { old.remove(); }
          var div = document.createElement("div");
          div.className = "jn-legend";
          div.style.cssText = "position:absolute;z-index:1000;bottom:44px;left:10px;background:#fff;"
              + "padding:4px 6px;border:1px solid #999;border-radius:4px;font:11px sans-serif;"
              + "max-width:230px;opacity:0.92";
          div.innerHTML = {{ this.body|tojson }};
          box.appendChild(div);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, body: str):
        super().__init__()
        self._name = "LegendControl"
        self.body = body

    def render(self, **kwargs):
        # The group's parent is the map, both in build_map and in streamlit-folium.
        self.map_name = self._parent._parent.get_name()
        super().render(**kwargs)


def anchor_points(geoms, forms, adcodes, county_geoms: dict) -> np.ndarray:
    """Where each measure's number goes: a point itself, the middle of a line, a point inside
    an area, or inside the first county of a county-wide measure (None when there is none)."""
    out = np.full(len(geoms), None, dtype=object)
    present = ~shapely.is_missing(geoms)
    kind = np.where(present, shapely.get_type_id(np.where(present, geoms, None)), -1)
    pts = present & np.isin(kind, (0, 4))  # Point, MultiPoint
    out[pts] = shapely.point_on_surface(geoms[pts])
    lines = present & np.isin(kind, (1, 2, 5))
    out[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    areas = present & np.isin(kind, (3, 6, 7))
    out[areas] = shapely.point_on_surface(geoms[areas])
    for i in np.flatnonzero(~present & (forms == "county")):
        first = str(adcodes[i] or "").split(",")[0]
        if first in county_geoms:
            out[i] = shapely.point_on_surface(county_geoms[first])
    return out


class _Clusters(_PlainScriptElement):
    """Measures that share a place: one marker with their count. A click spreads their own
    markers around it, joined to the place by thin lines (and a second click, or a click on
    the map, gathers them again); each spread marker is a GeoJSON feature carrying the
    measure's id, so a click on it reaches the app as any other marker's does. The spread
    is laid out in screen pixels, so it works at every zoom.

    ``window.jnClusters.select(id)`` spreads the cluster holding ``id`` and rings its marker
    (the app's highlight of the selected measure calls it)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var d = {{ this.payload }};
          var group = {{ this._parent.get_name() }};
          var byId = {}, clusterOf = {}, open = null, selected = null;
          var lines = L.layerGroup();
          var members = L.geoJSON(null, {
            pointToLayer: function(f, ll) {
              var m = byId[f.properties.id];
              return L.marker(ll, {zIndexOffset: 1000, icon: L.divIcon({
                className: {{ this.member_class|tojson }}, html: m[1], iconSize: [22, 22], iconAnchor: [11, 11]})});
            },
            onEachFeature: function(f, layer) {
              layer.bindTooltip(function() {
                var div = document.createElement("div");
                div.textContent = byId[f.properties.id][2];  // text, never HTML
                return div;
              }, {sticky: true});
            }
          });
          group.addLayer(lines);
          group.addLayer(members);
          function collapse() { members.clearLayers(); lines.clearLayers(); open = null; }
          function spread(k) {
            var map = group._map;
            members.clearLayers(); lines.clearLayers(); open = k;
            if (!map) { return; }
            var c = d.clusters[k], n = c.m.length;
            var centre = map.latLngToLayerPoint(c.ll);
            var r = Math.max(30, 14 / Math.sin(Math.PI / n));  // neighbours at least 28 px apart
            c.m.forEach(function(m, i) {
              var a = -Math.PI / 2 + 2 * Math.PI * i / n;
              var ll = map.layerPointToLatLng(centre.add(L.point(r * Math.cos(a), r * Math.sin(a))));
              L.polyline([c.ll, ll], {color: "#333", weight: 1.5, interactive: false}).addTo(lines);
              members.addData({type: "Feature", geometry: {type: "Point", coordinates: [ll.lng, ll.lat]},
                               properties: {id: m[0]}});
            });
            members.eachLayer(function(layer) {
              if (layer.feature.properties.id === selected && layer._icon) {
                layer._icon.firstChild.style.outline = "4px solid #ffb000";
                layer._icon.firstChild.style.outlineOffset = "1px";
              }
            });
          }
          d.clusters.forEach(function(c, k) {
            c.m.forEach(function(m) { byId[m[0]] = m; clusterOf[m[0]] = k; });
            var marker = L.marker(c.ll, {icon: L.divIcon({className: {{ this.cluster_class|tojson }},
              html: {{ this.cluster_html|tojson }}.replace("@N@", String(c.m.length)), iconSize: [28, 28], iconAnchor: [14, 14]})});
            marker.bindTooltip(d.hint.replace("{n}", String(c.m.length)));
            marker.on("click", function() { if (open === k) { collapse(); } else { spread(k); } });
            group.addLayer(marker);
          });
          function relayout() { if (open !== null) { spread(open); } }
          group.on("add", function() {
            group._map.on("zoomend", relayout);
            group._map.on("click", collapse);
            relayout();
          });
          group.on("remove", function(e) {
            e.target._map && e.target._map.off("zoomend", relayout).off("click", collapse);
          });
          window.jnClusters = {
            select: function(id) {
              selected = id;
              if (id in clusterOf) { spread(clusterOf[id]); }
            }
          };
        })();
        {% endmacro %}
        """
    )

    def __init__(self, clusters: list[dict], hint: str):
        super().__init__()
        self._name = "Clusters"
        self.clusters = clusters
        self.payload = script_json({"clusters": clusters, "hint": hint})
        self.member_class = f"{MEMBER_CLASS}"
        self.cluster_class = CLUSTER_CLASS
        self.cluster_html = CLUSTER_HTML


def overlay_groups(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
) -> tuple[list[folium.FeatureGroup], tuple[float, float, float, float]]:
    """The layers that follow the filters: a selection group (chosen districts, zones, the
    legend) and one group per action; and the bounds the view should fit."""
    filters = filters or Filters()
    gcj = needs_gcj02(basemap)
    actions = load_actions()
    counties = _display_counties(gcj)
    selected_counties = set(filters.districts)
    groups = []
    sel_group = folium.FeatureGroup(name="selection", control=False)
    chosen = counties[counties["adcode"].isin(selected_counties)]
    if len(chosen):
        _FeatureLayer(
            [""] * len(chosen),
            chosen.geometry.values,
            {"color": "#333", "weight": 3, "fillOpacity": 0, "interactive": False},
        ).add_to(sel_group)
    zones = [z for z in filters.districts if z in ZONES]
    if zones:
        zone = _to_display_crs(gpd.GeoDataFrame(geometry=[zone_shapes()[z] for z in zones], crs=4326), gcj)
        _FeatureLayer(
            [""] * len(zones),
            zone.geometry.values,
            {"color": "#333", "weight": 2, "dashArray": "8 6", "fillOpacity": 0, "interactive": False},
        ).add_to(sel_group)
    groups.append(sel_group)

    large = int(selected.geometry.notna().sum()) > LARGE_SELECTION
    shown = _to_display_crs(_simplify_for_display(selected, large), gcj)
    bounds_parts = []
    # Plain numpy masks: boolean indexing of a GeoDataFrame per action and form was the
    # largest cost of a rerun (pandas' Arrow-backed strings).
    action_arr = shown["action"].to_numpy()
    forms = shown["form"].to_numpy(dtype=object)
    coarse_arr = shown["precision_m"].fillna(0).to_numpy(dtype=float) > 15000
    approx_arr = shown["approximate"].to_numpy(dtype=bool)
    ids = shown["id"].to_numpy(dtype=object)
    adcodes = shown["county_adcodes"].to_numpy(dtype=object)
    geoms = np.array(shown.geometry.array, dtype=object)
    present = ~shapely.is_missing(geoms)
    name_col = "name_zh" if lang == "zh" else "name_en"
    labels = t("map_tip_labels", lang)

    titles, kinds, precisions = _tip_columns(shown, lang)

    by_code = dict(zip(counties["adcode"], counties.geometry.values, strict=True))

    # Numbers, as in the list beside the map and the exports' keys; none in large mode.
    numbers = {} if large else measure_numbers(selected)
    numbered = (present | (forms == "county")) & (not large)
    anchors = np.full(len(geoms), None, dtype=object) if large else anchor_points(geoms, forms, adcodes, by_code)
    # Measures whose numbers fall on one place share one marker that shows their count.
    clustered = np.zeros(len(shown), dtype=bool)
    places: dict[tuple[float, float], list[int]] = {}
    for i in np.flatnonzero(numbered):
        places.setdefault((round(anchors[i].x, COORD_DECIMALS), round(anchors[i].y, COORD_DECIMALS)), []).append(i)
    cluster_rows = [sorted(rows, key=lambda i: numbers[ids[i]]) for rows in places.values() if len(rows) > 1]
    for rows in cluster_rows:
        clustered[rows] = True

    def make(rows, shapes, action_name, style, mode="path", icon=None, with_numbers=False):
        """One layer for the measures at ``rows``, drawn as ``shapes``; tooltips and hover
        only below the large-selection size."""
        tips = None if large else [[titles[i], action_name, kinds[i], precisions[i]] for i in rows]
        highlight = None if large or mode != "path" else HIGHLIGHT
        nums = [numbers[ids[i]] for i in rows] if with_numbers else None
        return _FeatureLayer(ids[rows], shapes, style, mode, icon, tips, labels, highlight, nums)

    def layer(mask, action_name, style, mode="path", icon=None):
        rows = np.flatnonzero(mask & present)
        return make(rows, geoms[rows], action_name, style, mode, icon) if len(rows) else None

    for a in sorted(set(action_arr.tolist())):
        rec = actions.loc[a]
        colour, symbol, action_name = rec["colour"], rec["symbol"], rec[name_col]
        group = folium.FeatureGroup(name=f"{symbol} {a}. {action_name}")
        mine = action_arr == a
        parts = []
        for coarse in (True, False):
            # Areas known only to a county are drawn fainter, so they do not hide finer ones.
            style = {"color": colour, "weight": 2, "dashArray": "6 4", "fillColor": colour}
            mask = mine & (forms == "area") & (coarse_arr == coarse)
            parts.append(layer(mask, action_name, style | {"fillOpacity": 0.1 if coarse else 0.3}))
        style = {"color": colour, "weight": 4, "dashArray": "8 6", "opacity": 0.9}
        parts.append(layer(mine & (forms == "line"), action_name, style))
        cw_idx = np.flatnonzero(mine & (forms == "county"))
        if len(cw_idx):
            # A county-wide measure tints each of its counties.
            pairs = [(i, code) for i in cw_idx for code in adcodes[i].split(",")]
            rows = np.array([i for i, _ in pairs])
            hl_geoms = np.array([by_code[c] for _, c in pairs], dtype=object)
            style = {"color": colour, "weight": 2, "dashArray": "2 6", "fillColor": colour, "fillOpacity": 0.12}
            parts.append(make(rows, hl_geoms, action_name, style))
            bounds_parts.append(list(hl_geoms))
        for approximate in (False, True):
            mask = mine & (forms == "point") & (approx_arr == approximate)
            if large:
                # Canvas circles: thousands of points without a DOM element each.
                style = {
                    "radius": 5,
                    "color": colour,
                    "weight": 1.5,
                    "fillColor": "#ffffff" if approximate else colour,
                    "fillOpacity": 0.9,
                }
                if approximate:
                    style["dashArray"] = "2 2"
                parts.append(layer(mask, action_name, style, "circle"))
            else:
                icon = {
                    "html": marker_html(colour, NUMBER_SLOT, approximate, font=FONT_SLOT),
                    "className": f"{POINT_CLASS} {'jn-approx' if approximate else 'jn-exact'}",
                    "iconSize": [22, 22],
                    "iconAnchor": [11, 11],
                }
                rows = np.flatnonzero(mask & present & ~clustered)
                if len(rows):
                    parts.append(make(rows, geoms[rows], action_name, {}, "marker", icon, with_numbers=True))
        # Lines, areas and county-wide measures carry their number on a tag at their anchor.
        rows = np.flatnonzero(mine & numbered & (forms != "point") & ~clustered)
        if len(rows):
            icon = {"html": badge_html(colour), "className": BADGE_CLASS, "iconSize": [20, 18], "iconAnchor": [10, 9]}
            parts.append(make(rows, anchors[rows], action_name, {}, "marker", icon, with_numbers=True))
        for part in parts:
            if part is not None:
                part.add_to(group)
        groups.append(group)
        bounds_parts.append([g for g in geoms[mine] if g is not None])

    drawn = sorted(set(action_arr[~shapely.is_missing(geoms) | (forms == "county")].tolist()))
    _LegendControl(legend_html(drawn, lang)).add_to(sel_group)
    if cluster_rows:
        colours = actions["colour"].to_dict()

        def member_html(i):
            n = numbers[ids[i]]
            font = "12px" if n < 100 else "10px" if n < 1000 else "8px"
            if forms[i] == "point":
                return marker_html(colours[action_arr[i]], str(n), bool(approx_arr[i]), font=font)
            return badge_html(colours[action_arr[i]]).replace(NUMBER_SLOT, str(n)).replace(FONT_SLOT, font)

        clusters = [
            {
                "ll": [round(anchors[rows[0]].y, COORD_DECIMALS), round(anchors[rows[0]].x, COORD_DECIMALS)],
                "m": [[ids[i], member_html(i), f"{numbers[ids[i]]}. {titles[i]}"] for i in rows],
            }
            for rows in cluster_rows
        ]
        _Clusters(clusters, t("map_cluster_hint", lang)).add_to(sel_group)

    # Fit the view: chosen districts first, else the drawn selection, else the whole city.
    focus = list(chosen.geometry)
    if not focus:
        focus = [g for part in bounds_parts for g in part if g is not None]
    if not focus:
        focus = list(_to_display_crs(load_city(), gcj).geometry)
    b = shapely.bounds(np.asarray(focus, dtype=object))
    minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    if maxx - minx < 0.02 and maxy - miny < 0.02:  # a single point: show its surroundings
        minx, miny, maxx, maxy = minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1
    return groups, (minx, miny, maxx, maxy)


def is_large(selected: gpd.GeoDataFrame) -> bool:
    return int(selected.geometry.notna().sum()) > LARGE_SELECTION


def build_map(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
    tdt_key: str | None = None,
) -> folium.Map:
    """The whole map of the selected measures in one folium.Map (exports and tests use it;
    the app sends the base map and the overlay groups separately)."""
    m = base_map(basemap, lang, tdt_key, is_large(selected))
    groups, bounds = overlay_groups(selected, filters, basemap, lang)
    for g in groups:
        g.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    # The exported page fills a browser window, wider than the app's map column.
    m.location, m.options["zoom"] = fit_view(bounds, width_px=900, height_px=640)
    m.view_bounds = bounds
    return m


SELECTED_COLOUR = "#ffb000"


class _Highlight(_PlainScriptElement):
    """The selected measure, ringed: a ring at its number's place and its line, area or
    counties outlined; if it shares a place with others, their cluster is spread and its
    marker ringed."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var d = {{ this.payload }};
          var group = {{ this._parent.get_name() }};
          if (d.geom) {
            L.geoJSON(d.geom, {interactive: false, style: function() {
              return {color: d.colour, weight: 7, opacity: 0.7, fill: false};
            }}).addTo(group);
          }
          if (d.ll) {
            L.circleMarker(d.ll, {radius: 17, color: d.colour, weight: 4, fill: false, interactive: false}).addTo(group);
          }
          if (window.jnClusters) { window.jnClusters.select(d.id); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "Highlight"
        self.payload = script_json(payload)


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


#: The zoom a selected point is shown at: its town and the next one around it.
FOCUS_ZOOM = 13


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
