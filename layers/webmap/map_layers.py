"""The web map's overlay elements and the per-action layers built from them.

Each styled layer is one ``_FeatureLayer`` element with a compact payload (ids, flat point
coordinates, GeoJSON for other shapes, one style, numbers); markers carry their number,
lines, areas and county-wide measures a number tag at their anchor (``anchor_points``);
measures whose anchors coincide share one ``_Clusters`` marker with their count, spread on
click. ``Shown`` is the selection prepared for drawing, as plain numpy columns. The browser
side of every element is a file in ``layers/webmap/js``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.labels import KIND, PRECISION, t
from layers.selection.numbering import measure_numbers
from layers.webmap.map_base import COORD_DECIMALS, _simplify_for_display, _to_display_crs
from layers.webmap.map_scripts import _PlainScriptElement, script_json
from layers.webmap.map_symbols import (
    BADGE_CLASS,
    CLUSTER_CLASS,
    CLUSTER_HTML,
    FONT_SLOT,
    HIGHLIGHT,
    MEMBER_CLASS,
    NUMBER_SLOT,
    POINT_CLASS,
    badge_html,
    marker_html,
    number_font,
)

#: Above this many drawn measures the map switches to its large-selection mode:
#: points become canvas circle markers (no DOM element each), and there are no
#: tooltips or hover highlights. Chosen by measurement (bench/, docs/performance.md).
LARGE_SELECTION = 1500


def is_large(selected: gpd.GeoDataFrame) -> bool:
    return int(selected.geometry.notna().sum()) > LARGE_SELECTION


class _FeatureLayer(_PlainScriptElement):
    """One styled GeoJSON layer drawn from a compact payload (``js/feature_layer.js``).

    folium.GeoJson compiles several Jinja templates per instance, writes the full style
    into every feature and binds tooltips from an HTML string; with a dozen layers per
    rerun that dominated the script time (bench/, docs/performance.md). This element
    sends ids, point coordinates as a flat array, other geometries as GeoJSON, and the
    style once per layer. Tooltip text is inserted with ``textContent``, never as HTML.
    Features keep ``properties.id``, so a click reaches the app through streamlit-folium
    exactly as before.
    """

    _js = "feature_layer"

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


#: The legend starts open on pages at least this wide, folded to its header below: open, it
#: took 200 of the map's 540 px in a 1366x768 window (the whole register, four actions).
LEGEND_OPEN_FROM_PX = 1440
#: The same width as the app's map frame sees it, for when the script cannot read its page's
#: width (a page of another site around the app): the map column is 5/7 of what the 300 px
#: sidebar and the page's margins (about 170 px) leave, (1440 - 471) * 5 / 7 = 692 px
#: (``map_base.APP_MAP_WIDTH_PX``: 640 px at 1366). The HTML export is its own page and never
#: needs it.
LEGEND_OPEN_FROM_FRAME_PX = 690


class _LegendControl(_PlainScriptElement):
    """The legend, placed by script (``js/legend.js``) so it can live in an overlay group and
    change with it. Its header is a button (图例 ▸ / ▾, titled in the map's language) that
    folds the legend to that header and opens it again; it starts folded on pages narrower
    than ``LEGEND_OPEN_FROM_PX``, and a legend drawn again (new filters) keeps the state the
    planner chose."""

    _js = "legend"
    _var = "legend"

    def __init__(self, body: str, lang: str = "zh"):
        super().__init__()
        self._name = "LegendControl"
        self.body = body
        self.texts = {key: t(f"legend_{key}", lang) for key in ("heading", "expand", "collapse")}
        self.payload = script_json(
            {
                "body": body,
                **self.texts,
                "open_from_page": LEGEND_OPEN_FROM_PX,
                "open_from_frame": LEGEND_OPEN_FROM_FRAME_PX,
            }
        )

    def target(self) -> str:
        # The group's parent is the map, both in build_map and in streamlit-folium.
        return self._parent._parent.get_name()


class _Clusters(_PlainScriptElement):
    """Measures that share a place (``js/clusters.js``): one marker with their count. A click
    spreads their own markers around it, joined to the place by thin lines (and a second
    click, or a click on the map, gathers them again); each spread marker is a GeoJSON
    feature carrying the measure's id, so a click on it reaches the app as any other
    marker's does. The spread is laid out in screen pixels, so it works at every zoom.

    At every zoom, discs of places that would touch (centres nearer than a disc and 2 px)
    are merged, greedily, into one disc with the summed count at its members' mean position;
    a click on it spreads all its members, each joined to its own place. Zoomed in, they come
    apart again.

    ``window.jnClusters.select(id)`` spreads the disc holding ``id`` and rings its marker
    (the app's highlight of the selected measure calls it)."""

    _js = "clusters"

    def __init__(self, clusters: list[dict], hint: str):
        super().__init__()
        self._name = "Clusters"
        self.clusters = clusters
        self.payload = script_json(
            {
                "clusters": clusters,
                "hint": hint,
                "member_class": MEMBER_CLASS,
                "cluster_class": CLUSTER_CLASS,
                "cluster_html": CLUSTER_HTML,
            }
        )


class _Highlight(_PlainScriptElement):
    """The selected measure, ringed (``js/highlight.js``): a ring at its number's place and
    its line, area or counties outlined; if it shares a place with others, their cluster is
    spread and its marker ringed."""

    _js = "highlight"

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "Highlight"
        self.payload = script_json(payload)


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


def _tip_columns(gdf: gpd.GeoDataFrame, lang: str) -> tuple[list, list, list]:
    """Per-feature tooltip text: title, kind and precision, in the UI language."""
    kinds = {k: v[lang] for k, v in KIND.items()}
    precisions = {k: v[lang] for k, v in PRECISION.items()}
    return (
        gdf["title_zh" if lang == "zh" else "title_en"].tolist(),
        [kinds.get(k, k) for k in gdf["kind"].tolist()],
        [precisions.get(p, p) for p in gdf["precision"].tolist()],
    )


def _colour_keys(shown: gpd.GeoDataFrame, colour_by: str) -> np.ndarray:
    """Each measure's colour key: its action, or (``progress``) its light, ``no_plan`` when
    no lights are joined (layers.progress.view.with_lights)."""
    if colour_by != "progress":
        return shown["action"].to_numpy()
    if "light" not in shown.columns:
        return np.full(len(shown), "no_plan", dtype=object)
    return shown["light"].fillna("no_plan").to_numpy(dtype=object)


def _cluster_rows(numbered, anchors, numbers: dict, ids) -> list[list[int]]:
    """The rows of measures whose numbers fall on one place, each group by number."""
    places: dict[tuple[float, float], list[int]] = {}
    for i in np.flatnonzero(numbered):
        places.setdefault((round(anchors[i].x, COORD_DECIMALS), round(anchors[i].y, COORD_DECIMALS)), []).append(i)
    return [sorted(rows, key=lambda i: numbers[ids[i]]) for rows in places.values() if len(rows) > 1]


@dataclass
class Shown:
    """The selection prepared for drawing, in display coordinates, as plain numpy columns:
    boolean indexing of a GeoDataFrame per action and form was the largest cost of a rerun
    (pandas' Arrow-backed strings)."""

    large: bool
    action: np.ndarray
    form: np.ndarray
    coarse: np.ndarray  # located only to a county (> 15 km)
    approx: np.ndarray
    ids: np.ndarray
    adcodes: np.ndarray
    geoms: np.ndarray
    present: np.ndarray
    tips: tuple[list, list, list]  # titles, kinds, precisions
    labels: list
    by_code: dict  # county geometries by adcode
    numbers: dict  # as in the list beside the map and the exports' keys; none in large mode
    numbered: np.ndarray
    anchors: np.ndarray
    cluster_rows: list[list[int]]
    clustered: np.ndarray
    #: What each measure is coloured by: its action, or its progress light (``colour_by``).
    key: np.ndarray

    @classmethod
    def prepare(
        cls, selected: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, gcj: bool, lang: str, colour_by: str = "action"
    ) -> Shown:
        large = is_large(selected)
        shown = _to_display_crs(_simplify_for_display(selected, large), gcj)
        geoms = np.array(shown.geometry.array, dtype=object)
        present = ~shapely.is_missing(geoms)
        forms = shown["form"].to_numpy(dtype=object)
        ids = shown["id"].to_numpy(dtype=object)
        adcodes = shown["county_adcodes"].to_numpy(dtype=object)
        by_code = dict(zip(counties["adcode"], counties.geometry.values, strict=True))
        numbers = {} if large else measure_numbers(selected)
        numbered = (present | (forms == "county")) & (not large)
        anchors = np.full(len(geoms), None, dtype=object) if large else anchor_points(geoms, forms, adcodes, by_code)
        cluster_rows = _cluster_rows(numbered, anchors, numbers, ids)
        clustered = np.zeros(len(shown), dtype=bool)
        for rows in cluster_rows:
            clustered[rows] = True
        return cls(
            large=large,
            action=shown["action"].to_numpy(),
            form=forms,
            coarse=shown["precision_m"].fillna(0).to_numpy(dtype=float) > 15000,
            approx=shown["approximate"].to_numpy(dtype=bool),
            ids=ids,
            adcodes=adcodes,
            geoms=geoms,
            present=present,
            tips=_tip_columns(shown, lang),
            labels=t("map_tip_labels", lang),
            by_code=by_code,
            numbers=numbers,
            numbered=numbered,
            anchors=anchors,
            cluster_rows=cluster_rows,
            clustered=clustered,
            key=_colour_keys(shown, colour_by),
        )

    def layer(self, rows, shapes, action_name, style, mode="path", icon=None, with_numbers=False) -> _FeatureLayer:
        """One layer for the measures at ``rows``, drawn as ``shapes``; tooltips and hover
        only below the large-selection size."""
        titles, kinds, precisions = self.tips
        tips = None if self.large else [[titles[i], action_name, kinds[i], precisions[i]] for i in rows]
        highlight = None if self.large or mode != "path" else HIGHLIGHT
        nums = [self.numbers[self.ids[i]] for i in rows] if with_numbers else None
        return _FeatureLayer(self.ids[rows], shapes, style, mode, icon, tips, self.labels, highlight, nums)

    def masked(self, mask, action_name, style, mode="path", icon=None) -> _FeatureLayer | None:
        """The layer of the measures in ``mask`` that have a geometry, drawn as it; None if none."""
        rows = np.flatnonzero(mask & self.present)
        return self.layer(rows, self.geoms[rows], action_name, style, mode, icon) if len(rows) else None

    def county_parts(self, mask) -> tuple[np.ndarray, np.ndarray]:
        """The county-wide measures in ``mask``, one row per county they tint, and those counties."""
        pairs = [
            (i, code) for i in np.flatnonzero(mask & (self.form == "county")) for code in self.adcodes[i].split(",")
        ]
        return np.array([i for i, _ in pairs], dtype=int), np.array([self.by_code[c] for _, c in pairs], dtype=object)

    def drawn_geometries(self) -> list:
        """Every geometry the overlays draw: the measures' own and the counties of county-wide ones."""
        return [*self.county_parts(np.ones(len(self.ids), dtype=bool))[1], *self.geoms[self.present]]


def _area_layers(s: Shown, mine, colour: str, name: str) -> list:
    # Areas known only to a county are drawn fainter, so they do not hide finer ones.
    style = {"color": colour, "weight": 2, "dashArray": "6 4", "fillColor": colour}
    return [
        s.masked(
            mine & (s.form == "area") & (s.coarse == coarse), name, style | {"fillOpacity": 0.1 if coarse else 0.3}
        )
        for coarse in (True, False)
    ]


def _county_layer(s: Shown, mine, colour: str, name: str) -> _FeatureLayer | None:
    """A county-wide measure tints each of its counties."""
    rows, geoms = s.county_parts(mine)
    if not len(rows):
        return None
    style = {"color": colour, "weight": 2, "dashArray": "2 6", "fillColor": colour, "fillOpacity": 0.12}
    return s.layer(rows, geoms, name, style)


def _point_layer(s: Shown, mine, colour: str, name: str, approximate: bool) -> _FeatureLayer | None:
    mask = mine & (s.form == "point") & (s.approx == approximate)
    if s.large:
        # Canvas circles: thousands of points without a DOM element each.
        style = {"radius": 5, "color": colour, "weight": 1.5, "fillColor": "#ffffff" if approximate else colour}
        style["fillOpacity"] = 0.9
        if approximate:
            style["dashArray"] = "2 2"
        return s.masked(mask, name, style, "circle")
    icon = {
        "html": marker_html(colour, NUMBER_SLOT, approximate, font=FONT_SLOT),
        "className": f"{POINT_CLASS} {'jn-approx' if approximate else 'jn-exact'}",
        "iconSize": [22, 22],
        "iconAnchor": [11, 11],
    }
    rows = np.flatnonzero(mask & s.present & ~s.clustered)
    return s.layer(rows, s.geoms[rows], name, {}, "marker", icon, with_numbers=True) if len(rows) else None


def _tag_layer(s: Shown, mine, colour: str, name: str) -> _FeatureLayer | None:
    """Lines, areas and county-wide measures carry their number on a tag at their anchor."""
    rows = np.flatnonzero(mine & s.numbered & (s.form != "point") & ~s.clustered)
    if not len(rows):
        return None
    icon = {"html": badge_html(colour), "className": BADGE_CLASS, "iconSize": [20, 18], "iconAnchor": [10, 9]}
    return s.layer(rows, s.anchors[rows], name, {}, "marker", icon, with_numbers=True)


def action_group(s: Shown, action: int, colour: str, symbol: str, name: str) -> folium.FeatureGroup:
    """The layers of one action, lowest first: areas (coarse under fine), lines, tinted
    counties, exact and approximate points, number tags."""
    return styled_group(s, s.action == action, colour, f"{symbol} {action}. {name}".lstrip(), name)


def styled_group(s: Shown, mine, colour: str, group_name: str, name: str) -> folium.FeatureGroup:
    """The layers of the measures in ``mine`` in one colour (an action's, or a light's), lowest
    first: areas (coarse under fine), lines, tinted counties, exact and approximate points,
    number tags. ``name`` is what their tooltips say they belong to."""
    group = folium.FeatureGroup(name=group_name)
    line_style = {"color": colour, "weight": 4, "dashArray": "8 6", "opacity": 0.9}
    parts = [
        *_area_layers(s, mine, colour, name),
        s.masked(mine & (s.form == "line"), name, line_style),
        _county_layer(s, mine, colour, name),
        _point_layer(s, mine, colour, name, approximate=False),
        _point_layer(s, mine, colour, name, approximate=True),
        _tag_layer(s, mine, colour, name),
    ]
    for part in parts:
        if part is not None:
            part.add_to(group)
    return group


def clusters_element(s: Shown, colours: dict, lang: str) -> _Clusters:
    """One marker per place shared by several numbered measures, with their markers to spread
    (each in the colour of its key: ``colours`` by action, or by light)."""
    titles = s.tips[0]

    def member_html(i):
        n = s.numbers[s.ids[i]]
        colour = colours[s.key[i]]
        if s.form[i] == "point":
            return marker_html(colour, str(n), bool(s.approx[i]), font=number_font(n))
        return badge_html(colour).replace(NUMBER_SLOT, str(n)).replace(FONT_SLOT, number_font(n))

    clusters = [
        {
            "ll": [round(s.anchors[rows[0]].y, COORD_DECIMALS), round(s.anchors[rows[0]].x, COORD_DECIMALS)],
            "m": [[s.ids[i], member_html(i), f"{s.numbers[s.ids[i]]}. {titles[i]}"] for i in rows],
        }
        for rows in s.cluster_rows
    ]
    return _Clusters(clusters, t("map_cluster_hint", lang))
