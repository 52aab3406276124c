"""Jining's 乡镇/街道 (towns and streets) with their seat points.

``geodata/towns.csv`` is made by ``scripts/make_towns.py`` from three public
datasets (see ``geodata/provenance.json``): the 2024 list of units, the 2023
statistical codes and AMap seat points (GCJ-02, converted to WGS-84). A unit with
no published seat keeps ``derive = at:<county>``: the county seat, at the county's
precision. :func:`read_towns` validates the file; the gazetteer joins the towns to
its own places, so the geocoder and the derivations see one list.

Town boundaries are not open data. :func:`town_cells` approximates each town by
the Voronoi cell of its seat among the seats of its county, clipped to the county:
good enough to draw "the towns along the river" as an area, flagged approximate.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers._errors import GazetteerError, Problem
from layers._paths import TOWNS_CSV
from layers.geo.coords import GK_CRS, WGS84

TOWN_FIELDS = (
    "code",
    "county_adcode",
    "zone_code",
    "name_zh",
    "name_en",
    "aliases",
    "kind",
    "precision",
    "precision_m",
    "lon",
    "lat",
    "source_crs",
    "source_lon",
    "source_lat",
    "derive",
    "source",
    "licence",
)
TOWN_KINDS = ("subdistrict", "town", "township")
COUNTY_CODES = (
    "370811",
    "370812",
    "370826",
    "370827",
    "370828",
    "370829",
    "370830",
    "370831",
    "370832",
    "370881",
    "370883",
)
_CODE = re.compile(r"^3708\d{8}$")


def read_towns(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check ``towns.csv``; raise :class:`GazetteerError` listing every problem.

    Coordinates stay as text here (empty for derived rows); the gazetteer
    converts and resolves them together with its own rows.
    """
    path = Path(path) if path is not None else TOWNS_CSV
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [f for f in TOWN_FIELDS if f not in df.columns]
    if missing:
        raise GazetteerError(str(path), [Problem(1, f, "column is missing from the header; add it") for f in missing])
    problems = []
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2

        def bad(field, msg, row=row):
            problems.append(Problem(row, field, msg))

        if not _CODE.match(rec["code"]):
            bad("code", f"{rec['code']!r} is not a 12-digit statistical code of Jining (3708…)")
        if rec["county_adcode"] not in COUNTY_CODES:
            bad("county_adcode", f"{rec['county_adcode']!r} is not one of the 11 county adcodes")
        if rec["kind"] not in TOWN_KINDS:
            bad("kind", f"{rec['kind']!r} is not one of {', '.join(TOWN_KINDS)}")
        if not rec["source"] or not rec["licence"]:
            bad("source", "give the source and its licence")
        if rec["derive"]:
            if not rec["derive"].startswith("at:") or rec["lon"] or rec["precision"] != "county":
                bad("derive", "a town without a seat point has derive 'at:<county>', empty lon/lat, precision 'county'")
        else:
            if rec["precision"] != "town":
                bad("precision", "a town with a seat point has precision 'town'")
            for f in ("lon", "lat", "precision_m"):
                try:
                    float(rec[f])
                except ValueError:
                    bad(f, f"{rec[f]!r} is not a number")
    dupes = df["code"][df["code"].duplicated()]
    problems += [Problem(int(i) + 2, "code", f"{c} appears twice") for i, c in dupes.items()]
    if problems:
        raise GazetteerError(str(path), problems)
    return df


def town_cells(places: pd.DataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Approximate town areas: Voronoi cells of the located seats within each county.

    ``places`` are gazetteer rows (resolved coordinates) with a ``town_code``;
    towns that fall back to their county get no cell. Returns ``town_code``,
    ``name_zh`` (and ``name_en`` when the places have it), ``county_adcode`` and the cell,
    EPSG:4326.
    """
    towns = places[(places["town_code"] != "") & (places["precision"] == "town")]
    names = ["name_zh", "name_en"] if "name_en" in towns else ["name_zh"]
    pts = gpd.GeoSeries(gpd.points_from_xy(towns["lon"], towns["lat"]), crs=WGS84, index=towns.index).to_crs(GK_CRS)
    polys = counties.to_crs(GK_CRS).set_index("adcode").geometry
    cells = {}
    for county, idx in towns.groupby("county_adcode").groups.items():
        poly = polys[county]
        group = pts.loc[idx]
        voronoi = shapely.voronoi_polygons(shapely.MultiPoint(list(group.values)), extend_to=poly)
        for i, pt in group.items():
            cells[i] = next(c for c in voronoi.geoms if c.contains(pt)).intersection(poly)
    out = gpd.GeoDataFrame(
        towns.loc[list(cells), ["town_code", *names, "county_adcode"]],
        geometry=list(cells.values()),
        crs=GK_CRS,
    )
    return out.to_crs(WGS84)
