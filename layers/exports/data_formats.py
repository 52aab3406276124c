"""Data exports of a selection: GeoJSON, GeoPackage, KML, CSV, XLSX and zipped Shapefile.

Every format carries the same attribute fields (:data:`EXPORT_FIELDS`, at most 10
characters so that Shapefile keeps them unchanged). Spatial formats carry the
geometry natively; CSV and XLSX carry it as WKT (plus lon/lat for points) and also
list the measures that have no geometry (city-wide, county-wide, outside).

Coordinates can be written as WGS-84, CGCS2000 (EPSG:4490; numerically the same as
WGS-84 at map scale, labelled as CGCS2000) or GCJ-02 (AMap/Tencent; not a CRS that
files can declare, so it is labelled WGS-84 and the ``crs`` field says GCJ-02).
"""

from __future__ import annotations

import html
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers._io import atomic_write as _atomic
from layers._text import defuse
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names
from layers.geo.coords import transform_geometry, wgs84_to_gcj02

#: Output coordinate choices: name -> (EPSG code the file declares, label in the ``crs`` field).
EXPORT_CRS = {
    "wgs84": ("EPSG:4326", "WGS-84 (EPSG:4326)"),
    "cgcs2000": ("EPSG:4490", "CGCS2000 (EPSG:4490)"),
    "gcj02": ("EPSG:4326", "GCJ-02 (AMap/Tencent; not WGS-84)"),
}

#: Export fields and their meaning (also written into the XLSX "fields" sheet).
EXPORT_FIELDS = {
    "id": "stable measure id",
    "action": "action id 1-10",
    "action_zh": "action name as in the article",
    "title_zh": "measure (Chinese)",
    "title_en": "measure (English)",
    "summary_zh": "the article's own words",
    "kind": "site, event, road, bridge, railway, highway, waterway, belt, area, zone, programme, reform",
    "form": "point, line, area, county (county-wide), city (city-wide), outside (outside Jining)",
    "place": "place text that was geocoded",
    "target": "quantity the article gives",
    "unit": "unit of the target",
    "year": "year",
    "section": "article heading",
    "precision": "site, town, county, city, approximate (line/area), outside, unresolved",
    "prec_m": "largest distance (m) between the drawn and the true location",
    "approx": "1 if the location is approximate",
    "counties": "adcodes of the districts the measure touches",
    "county_nm": "names of those districts",
    "sizes": "length (km, lines) or area (km², areas) in each district, JSON",
    "source": "where the location comes from",
    "crs": "coordinate system of this file's coordinates",
}
TABULAR_EXTRA = ("lon", "lat", "wkt")
#: Excel's limit for one cell; a county polygon's WKT can exceed it.
EXCEL_CELL_LIMIT = 32767
#: dBase (Shapefile) text fields hold at most 254 bytes.
DBF_TEXT_BYTES = 254


def _wkt(geom, limit: int | None = None) -> str:
    """WKT at 1e-6 degrees (about 0.1 m). With ``limit``, simplify step by step until it fits
    (only polygons as large as a county need it; the spatial formats keep full detail)."""
    import shapely

    if geom is None:
        return ""
    text = shapely.to_wkt(geom, rounding_precision=6)
    tolerance = 1e-4
    while limit and len(text) > limit:
        text = shapely.to_wkt(geom.simplify(tolerance), rounding_precision=6)
        tolerance *= 2
    return text


def _clip_bytes(text: str, limit: int = DBF_TEXT_BYTES) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "…"


def export_frame(selected: gpd.GeoDataFrame, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """The selection with the export fields, its geometry in the chosen coordinates."""
    if crs not in EXPORT_CRS:
        raise ValueError(f"unknown coordinate choice {crs!r}; use one of {', '.join(EXPORT_CRS)}")
    epsg, label = EXPORT_CRS[crs]
    actions = load_actions()
    names = county_names()
    geoms = list(selected.geometry)
    if crs == "gcj02":
        geoms = [None if g is None else transform_geometry(g, wgs84_to_gcj02) for g in geoms]
    out = pd.DataFrame(
        {
            "id": selected["id"].to_numpy(),
            "action": selected["action"].astype(int).to_numpy(),
            "action_zh": selected["action"].map(lambda a: actions.loc[a, "name_zh"]).to_numpy(),
            "title_zh": selected["title_zh"].to_numpy(),
            "title_en": selected["title_en"].to_numpy(),
            "summary_zh": selected["summary_zh"].to_numpy(),
            "kind": selected["kind"].to_numpy(),
            "form": selected["form"].to_numpy(),
            "place": selected["place"].to_numpy(),
            "target": selected["target"].astype(float).to_numpy(),
            "unit": selected["target_unit"].to_numpy(),
            "year": selected["year"].astype(int).to_numpy(),
            "section": selected["section"].to_numpy(),
            "precision": selected["precision"].fillna("").to_numpy(),
            "prec_m": selected["precision_m"].astype(float).to_numpy(),
            "approx": selected["approximate"].astype(bool).astype(int).to_numpy(),
            "counties": selected["county_adcodes"].fillna("").to_numpy(),
            "county_nm": selected["county_adcodes"]
            .fillna("")
            .map(lambda cs: ",".join(names.get(c, c) for c in cs.split(",") if c))
            .to_numpy(),
            "sizes": selected["county_sizes"].fillna("").to_numpy(),
            "source": selected["geometry_source"].fillna("").to_numpy(),
            "crs": label,
        }
    )
    if "light" in selected.columns:  # progress lights joined as of a date (layers.progress.view.with_lights)
        out = out.assign(**_light_fields(selected))
    return gpd.GeoDataFrame(out, geometry=geoms, crs=epsg)


def _light_fields(selected: pd.DataFrame) -> dict:
    """Each measure's progress as of the app's date: light code, 形象进度, lag behind the
    schedule, the report's date, overdue milestones and the as-of date (names ≤ 10
    characters, for the Shapefile)."""
    return {
        "light": selected["light"].fillna("no_plan").to_numpy(),
        "progress": pd.to_numeric(selected["light_progress"], errors="coerce").to_numpy(),
        "lag": pd.to_numeric(selected["light_lag"], errors="coerce").to_numpy(),
        "rep_date": selected["light_report_date"].fillna("").astype(str).to_numpy(),
        "overdue": ["; ".join(v) if isinstance(v, list) else "" for v in selected["light_overdue"]],
        "asof": selected.get("light_asof", pd.Series("", index=selected.index)).fillna("").to_numpy(),
    }


def tabular_frame(selected: gpd.GeoDataFrame, crs: str = "wgs84", wkt_limit: int | None = None) -> pd.DataFrame:
    """Every measure as a plain table: the export fields plus lon/lat (points) and WKT.

    Text cells are defused (see :func:`defuse`).
    """
    gdf = export_frame(selected, crs)
    table = pd.DataFrame(gdf.drop(columns="geometry"))
    for col in table.columns:
        if pd.api.types.is_object_dtype(table[col]) or pd.api.types.is_string_dtype(table[col]):
            table[col] = table[col].map(defuse)
    table["lon"] = [g.x if g is not None and g.geom_type == "Point" else None for g in gdf.geometry]
    table["lat"] = [g.y if g is not None and g.geom_type == "Point" else None for g in gdf.geometry]
    table["wkt"] = [_wkt(g, wkt_limit) for g in gdf.geometry]
    return table


def to_geojson(selected, path, crs="wgs84") -> Path:
    gdf = export_frame(selected, crs)
    opts = {"RFC7946": "YES"} if gdf.crs.to_epsg() == 4326 else {}
    return _atomic(path, lambda p: gdf.to_file(p, driver="GeoJSON", engine="pyogrio", **opts))


def to_gpkg(selected, path, crs="wgs84") -> Path:
    gdf = export_frame(selected, crs)
    return _atomic(
        path, lambda p: gdf.to_file(p, layer="measures", driver="GPKG", engine="pyogrio", geometry_type="Unknown")
    )


def to_kml(selected, path, crs="wgs84") -> Path:
    """KML for Google Earth and 奥维. Each placemark's <name> is the Chinese title and its
    <description> the article's words (GDAL fills them from the ``Name``/``Description``
    columns). Measures without geometry are left out (they are in CSV/XLSX)."""
    gdf = export_frame(selected, crs)
    gdf = gdf[gdf.geometry.notna()].copy()
    gdf.insert(0, "Name", gdf["title_zh"])
    # Google Earth and 奥维 render <description> as HTML: escape it, so imported text stays text
    # (an <img> in a summary would otherwise be fetched when the placemark opens).
    gdf.insert(1, "Description", gdf["summary_zh"].map(lambda v: html.escape(str(v)) if v is not None else v))
    return _atomic(path, lambda p: gdf.to_file(p, layer="measures", driver="KML", engine="pyogrio"))


def to_csv(selected, path, crs="wgs84") -> Path:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it without mojibake."""
    table = tabular_frame(selected, crs)
    return _atomic(path, lambda p: table.to_csv(p, index=False, encoding="utf-8-sig"))


def to_xlsx(selected, path, crs="wgs84") -> Path:
    table = tabular_frame(selected, crs, wkt_limit=EXCEL_CELL_LIMIT)
    fields = pd.DataFrame(
        {
            "field": list(EXPORT_FIELDS) + list(TABULAR_EXTRA),
            "meaning": list(EXPORT_FIELDS.values())
            + [
                "longitude (points)",
                "latitude (points)",
                "geometry as WKT (simplified where a cell would exceed Excel's 32,767 characters)",
            ],
        }
    )

    def write(p):
        with pd.ExcelWriter(p, engine="openpyxl") as xl:
            table.to_excel(xl, sheet_name="measures", index=False)
            fields.to_excel(xl, sheet_name="fields", index=False)

    return _atomic(path, write)


def to_shapefile_zip(selected, path, crs="wgs84") -> Path:
    """A zip of Shapefiles, one per geometry type (Shapefile holds one type), each with a
    ``.cpg`` saying UTF-8. Measures without geometry are left out (they are in CSV/XLSX)."""
    gdf = export_frame(selected, crs)
    gdf = gdf[gdf.geometry.notna()].copy()
    for col in gdf.columns.drop("geometry"):
        if gdf[col].dtype == object or str(gdf[col].dtype).startswith("str"):
            gdf[col] = gdf[col].map(lambda v: _clip_bytes(v) if isinstance(v, str) else v)
    kinds = {
        "point": ("Point", "MultiPoint"),
        "line": ("LineString", "MultiLineString"),
        "polygon": ("Polygon", "MultiPolygon"),
    }

    def write(p):
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, types in kinds.items():
                part = gdf[gdf.geom_type.isin(types)]
                if part.empty:
                    continue
                shp = Path(tmp) / f"measures_{name}.shp"
                part.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
                for f in sorted(Path(tmp).glob(f"measures_{name}.*")):
                    zf.write(f, f.name)
            zf.writestr(
                "README.txt",
                "Fields:\n"
                + "\n".join(f"{k}: {v}" for k, v in EXPORT_FIELDS.items())
                + "\n\nText longer than 254 bytes (dBase limit) is cut and ends with '…'; the other "
                "formats carry it whole.\n\nMeasures without a place (city-wide, county-wide, outside Jining) are in the "
                "CSV/XLSX exports.\n",
            )

    return _atomic(path, write)


WRITERS = {
    "geojson": to_geojson,
    "gpkg": to_gpkg,
    "kml": to_kml,
    "csv": to_csv,
    "xlsx": to_xlsx,
    "shp": to_shapefile_zip,
}
