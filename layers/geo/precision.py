"""How well a place drawn on the web map is known, which districts it falls in, and whether
it lies in Jining.

**A point clicked or a vertex drawn** (:func:`drawn_precision_m`) is known to
``PIXELS`` screen pixels at the zoom it was drawn at, and never better than the basemap
it was drawn over (``BASEMAP_ACCURACY_M``)::

    precision = max(PIXELS × 156543.03392 × cos(lat) / 2**zoom, BASEMAP_ACCURACY_M[basemap])

rounded up to 10 m below 1 km and to 100 m from 1 km (never finer than the rule).
Examples at lat 35.4 (Jining's urban centre):

=====  ==========  ============  =====================
zoom   m / pixel   over ``osm``  over ``none`` (简图)
=====  ==========  ============  =====================
10     124.6       630           9000
13     15.6        80            9000
16     1.9         20            9000
18     0.5         20            9000
=====  ==========  ============  =====================

**Districts** (:func:`districts_within`): a county counts when the geometry lies in it
or when it lies within the geometry's precision (the geometry buffered by its precision
reaches into the county). Lines and areas keep their length (km) or area (km²) in each
county they pass (:func:`layers.geo.shapes.county_lengths_km`); a county reached only
within the precision, and every county of a point, counts with 0.

**Inside Jining** (:func:`check_inside`): a geometry is inside when it touches the city
polygon or lies no farther from it than its precision (a click 50 m outside the boundary
at a zoom where a click is only known to 80 m may well be inside); a measure marked
``outside`` (市外) may be anywhere.

Distances are in Gauss-Krüger metres (EPSG:4548, CGCS2000), as everywhere in the project.
"""

from __future__ import annotations

import math
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from layers._errors import Msg
from layers._paths import TOWNS_CSV
from layers.geo.coords import GK_CRS, WGS84

#: A click's own uncertainty (a finger or a mouse lands a pixel or two off the intended
#: spot) plus the size of what the planner aims at: the map's markers and the ring of the
#: picked point are about 10 px across, so a point placed "on" something is known to about
#: half a marker, 5 px, and not better.
PIXELS = 5

#: Web Mercator ground resolution at zoom 0 on the equator (m / pixel): 2π × 6378137 / 256.
EQUATOR_M_PER_PIXEL = 156543.03392

ZOOM_RANGE = (0.0, 22.0)
LAT_LIMIT = 85.0


@lru_cache(maxsize=1)
def offline_accuracy_m() -> float:
    """The offline 简图's accuracy (m): the median ``precision_m`` of the towns whose seat
    point is known (``precision == "town"`` in ``geodata/towns.csv``; 9,000 m for the 134
    towns in 2024). The 简图 draws only town seats, county boundaries and GSHHG water, so a
    place picked on it is known to its town, and a town reaches that far from its seat
    (the farthest point of its approximate area; see ``geodata/README.md``)."""
    towns = pd.read_csv(TOWNS_CSV, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    values = pd.to_numeric(towns.loc[towns["precision"] == "town", "precision_m"], errors="coerce").dropna()
    return float(values.median())


#: How well each basemap of the web map places things (m); a click over it is never
#: better known than this.
#:
#: - ``none``: the offline 简图, see :func:`offline_accuracy_m` (derived from towns.csv).
#: - ``osm``, ``positron`` (CARTO's style of the same OpenStreetMap data): OpenStreetMap was
#:   found on average within about 6 m of the Ordnance Survey's positions in England
#:   (M. Haklay, "How good is volunteered geographical information? A comparative study of
#:   OpenStreetMap and Ordnance Survey datasets", Environment and Planning B 37 (2010)
#:   682–703). No such measurement for Shandong was found; 20 m (about three times the
#:   average) is **our assumption**, chosen to be conservative.
#: - ``tianditu``, ``gaode``: no published accuracy of their web tiles was found. A
#:   1:10,000 topographic map allows a mean point error of 0.5–0.8 mm on the map (5–8 m)
#:   in plain and hilly areas (China's large- and medium-scale mapping rules), and Gaode's
#:   GCJ-02 tiles are converted back to WGS-84 by :mod:`layers.geo.coords`; 20 m is
#:   **our assumption**, the same conservative figure as OSM.
WEB_TILE_ACCURACY_M = 20.0
BASEMAP_ACCURACY_M = {
    "osm": WEB_TILE_ACCURACY_M,
    "positron": WEB_TILE_ACCURACY_M,
    "tianditu": WEB_TILE_ACCURACY_M,
    "gaode": WEB_TILE_ACCURACY_M,
}


def basemap_accuracy_m(basemap: str) -> float:
    """The accuracy (m) of ``basemap`` (one of ``layers.exports.BASEMAP_IDS``); ValueError
    for another."""
    if basemap == "none":
        return offline_accuracy_m()
    if basemap in BASEMAP_ACCURACY_M:
        return BASEMAP_ACCURACY_M[basemap]
    known = ("none", *BASEMAP_ACCURACY_M)
    raise ValueError(
        Msg(
            f"unknown basemap {str(basemap)[:40]!r}; use one of {', '.join(known)}",
            f"未知底图“{str(basemap)[:40]}”;请用 {'、'.join(known)}",
        )
    )


def metres_per_pixel(zoom: float, lat: float) -> float:
    """Web Mercator ground resolution (m / screen pixel) at ``zoom`` and latitude ``lat``."""
    return EQUATOR_M_PER_PIXEL * math.cos(math.radians(lat)) / 2**zoom


def round_up_m(metres: float) -> float:
    """``metres`` rounded up to 10 m below 1 km, to 100 m from 1 km: a precision is never
    stated finer than it is."""
    step = 10.0 if metres < 1000 else 100.0
    return math.ceil(metres / step - 1e-9) * step


def drawn_precision_m(zoom: float, lat: float, basemap: str) -> float:
    """The precision (m) of a point clicked or a vertex drawn at ``zoom`` over ``basemap`` at
    latitude ``lat``: ``PIXELS`` pixels at that zoom, never finer than the basemap's
    accuracy, rounded up (see the module's docstring for the rule and examples).

    A zoom that is not a finite number in 0–22 or a latitude outside ±85° (Web Mercator's
    limit) is a ValueError, as is an unknown basemap."""
    try:
        zoom, lat = float(zoom), float(lat)
    except (TypeError, ValueError):
        raise ValueError(Msg(f"zoom {zoom!r} or latitude {lat!r} is not a number", "缩放级别或纬度不是数字")) from None
    if not (math.isfinite(zoom) and ZOOM_RANGE[0] <= zoom <= ZOOM_RANGE[1]):
        raise ValueError(
            Msg(
                f"zoom {zoom} is not a web map zoom; use a number from 0 to 22",
                f"缩放级别 {zoom} 无效;请用 0 到 22 之间的数",
            )
        )
    if not (math.isfinite(lat) and -LAT_LIMIT <= lat <= LAT_LIMIT):
        raise ValueError(
            Msg(
                f"latitude {lat} is outside the web map (±{LAT_LIMIT:g}°)",
                f"纬度 {lat} 超出网页地图范围(±{LAT_LIMIT:g}°)",
            )
        )
    floor = basemap_accuracy_m(basemap)
    return round_up_m(max(PIXELS * metres_per_pixel(zoom, lat), floor))


# --- districts -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _counties_gk() -> tuple[tuple[str, ...], tuple[shapely.Geometry, ...]]:
    from layers.geo.boundaries import load_counties

    gk = load_counties().to_crs(GK_CRS)
    return tuple(gk["adcode"]), tuple(gk.geometry.values)


@lru_cache(maxsize=1)
def _city_gk() -> shapely.Geometry:
    from layers.geo.boundaries import load_city

    return shapely.union_all(load_city().to_crs(GK_CRS).geometry.values)


def _to_gk(geom) -> shapely.Geometry:
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(GK_CRS).iloc[0]


def _check_precision(precision_m) -> float:
    try:
        value = float(precision_m)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            Msg(f"precision {precision_m!r} is not a distance in metres ≥ 0", f"精度“{precision_m}”不是 ≥ 0 的米数")
        )
    return value


def districts_within(geom, precision_m: float) -> dict[str, float]:
    """Every county the geometry (WGS-84) lies in or comes within ``precision_m`` metres of,
    adcode → size: a line's length (km) or an area's area (km²) in the county, 0 for a
    point and for a county reached only within the precision.

    The counties the geometry itself lies in come first (for a line or area those where
    :func:`~layers.geo.shapes.county_lengths_km` measures something, in the counties' order);
    then those within the precision, in the counties' order. With ``precision_m`` 0 a line or
    area that only touches a county's border does not count in it."""
    from layers.geo.shapes import county_lengths_km

    precision_m = _check_precision(precision_m)
    codes, polys = _counties_gk()
    g = _to_gk(geom)
    if g.geom_type in ("Point", "MultiPoint"):
        out = {c: 0.0 for c, poly in zip(codes, polys, strict=True) if g.intersects(poly)}
    else:
        out = {c: float(v) for c, v in county_lengths_km(geom).items()}
    if precision_m > 0:
        for c, poly in zip(codes, polys, strict=True):
            if c not in out and g.distance(poly) <= precision_m:
                out[c] = 0.0
    return out


def check_inside(geom, form: str | None, precision_m: float) -> None:
    """Raise ValueError (a :class:`~layers._errors.Msg` in both languages) when the geometry
    (WGS-84) lies outside Jining by more than ``precision_m``, unless the measure is marked
    ``outside`` (市外). A geometry that touches the city polygon is inside."""
    if form == "outside":
        return
    precision_m = _check_precision(precision_m)
    g = _to_gk(geom)
    city = _city_gk()
    if g.intersects(city):
        return
    dist = float(g.distance(city))
    if dist <= precision_m:
        return
    what = {"Point": ("point", "该点"), "MultiPoint": ("points", "这些点")}.get(
        g.geom_type, ("line", "该线") if "Line" in g.geom_type else ("area", "该范围")
    )
    far, far_zh = _distance_text(dist)
    prec, prec_zh = _distance_text(precision_m)
    raise ValueError(
        Msg(
            f"the {what[0]} lies {far} outside Jining, more than its precision ({prec}); "
            "mark the measure 市外 (outside) or pick inside the city",
            f"{what[1]}位于济宁市外 {far_zh},超出其精度({prec_zh}):请将措施标为“市外”,或在市内选取",
        )
    )


def _distance_text(metres: float) -> tuple[str, str]:
    if metres >= 1000:
        km = f"{metres / 1000:.1f}"
        return f"{km} km", f"{km} 公里"
    return f"{metres:.0f} m", f"{metres:.0f} 米"


__all__ = [
    "BASEMAP_ACCURACY_M",
    "PIXELS",
    "basemap_accuracy_m",
    "check_inside",
    "districts_within",
    "drawn_precision_m",
    "metres_per_pixel",
    "offline_accuracy_m",
    "round_up_m",
]
