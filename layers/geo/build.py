"""From the register to map layers: geocode every measure and write the outputs.

``projects_from_register`` joins each register record with its location:

========  ==============================================  =================
form      geometry                                        precision
========  ==============================================  =================
point     gazetteer point matched by the geocoder          site/town/county
line      shape from ``shapes.csv``                        approximate
area      shape from ``shapes.csv``                        approximate
county    none; ``county_adcodes`` names the county(ies)   county
city      none                                             city
outside   none (never drawn in Jining)                     outside
========  ==============================================  =================

A point whose place the geocoder cannot match keeps a null geometry and the
precision ``unresolved``; nothing is ever placed at a made-up position.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers._errors import Problem, RegisterError
from layers._paths import REGISTER_CSV
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_code, load_counties
from layers.geo.gazetteer import Geocoder, default_geocoder
from layers.geo.precision import districts_within
from layers.geo.register import FIELDS, load_register
from layers.geo.shapes import county_lengths_km, find_shape, load_shapes

#: Fields added to every register record by the build.
LOCATION_FIELDS = (
    "precision",
    "precision_m",
    "approximate",
    "county_adcodes",
    "county_sizes",
    "geometry_source",
)


def _county_codes(text: str) -> tuple[list[str], list[str]]:
    """Resolve ``;``-separated county names to adcodes; return (codes, unknown names)."""
    codes, unknown = [], []
    for name in filter(None, (t.strip() for t in text.split(";"))):
        code = county_code(name)
        (codes.append(code) if code else unknown.append(name))
    return codes, unknown


#: Shapes traced from a dataset (GSHHG's canal, lakes and rivers: ``method`` ``context``): the
#: drawn line or shore may be off by the shape's ``precision_m`` (GSHHG's accuracy), so a county
#: within it counts too. Every other method builds the shape from administrative units or
#: through their seats (towns, counties, a buffer of them, waypoints at the seats of the counties
#: its sources name): it lies in the units its sources name, and its ``precision_m`` says where
#: within them, not that it may reach the next county.
TRACED_METHODS = ("context",)


def shape_tolerance_m(shape) -> float:
    """How far (m) a shape's true course may lie from the drawn one when counting its
    districts: its ``precision_m`` for a traced shape (:data:`TRACED_METHODS`), else 0."""
    return float(shape["precision_m"]) if shape["method"] in TRACED_METHODS else 0.0


def shape_districts(geom, found) -> dict[str, float]:
    """The districts of a line or area built from the shapes ``found`` (rows of shapes.csv):
    its length or area in every county it passes (``county_lengths_km`` of ``geom``), and 0
    in a county only a traced shape reaches within its precision
    (:func:`layers.geo.precision.districts_within`)."""
    sizes = dict(county_lengths_km(geom))
    for f in found:
        tolerance = shape_tolerance_m(f)
        if tolerance > 0:
            for code in districts_within(f.geometry, tolerance):
                sizes.setdefault(code, 0.0)
    return sizes


def _locate(rec: dict, geocoder: Geocoder, shapes: gpd.GeoDataFrame):
    """Return (geometry, location fields, problem message or None) for one record."""
    form, place = rec["form"], rec["place"]
    empty = dict(
        precision=None, precision_m=None, approximate=False, county_adcodes="", county_sizes="", geometry_source=""
    )
    if form == "point":
        res = geocoder.geocode(place)
        if res.status == "unresolved":
            return (
                None,
                {**empty, "precision": "unresolved", "geometry_source": f"no gazetteer match for {place!r}"},
                None,
            )
        if res.status == "outside":
            return (
                None,
                {**empty, "precision": "outside", "geometry_source": f"gazetteer: {res.matched} (outside Jining)"},
                ("place is outside Jining; set form to 'outside' or correct the place"),
            )
        return (
            shapely.Point(res.lon, res.lat),
            {
                **empty,
                "precision": res.precision,
                "precision_m": res.precision_m,
                "approximate": res.precision != "site",
                "county_adcodes": res.county_adcode or "",
                "geometry_source": f"gazetteer: {res.matched} — {res.source}",
            },
            None,
        )
    if form in ("line", "area"):
        names = [t.strip() for t in place.split(";") if t.strip()]
        found = [find_shape(n, shapes) for n in names]
        missing = [n for n, f in zip(names, found, strict=True) if f is None]
        if missing:
            return None, empty, f"{missing} not in geodata/shapes.csv; add the shape or fix the name"
        geom = shapely.union_all([f.geometry for f in found]) if len(found) > 1 else found[0].geometry
        sizes = shape_districts(geom, found)
        return (
            geom,
            {
                **empty,
                "precision": "approximate",
                "precision_m": max(f["precision_m"] for f in found),
                "approximate": True,
                "county_adcodes": ",".join(sizes),
                "county_sizes": json.dumps(sizes, ensure_ascii=False),
                "geometry_source": " | ".join(
                    f"shape {f['shape_id']}: {f['description']} — {f['source']}" for f in found
                ),
            },
            None,
        )
    if form == "county":
        codes, unknown = _county_codes(place)
        if unknown or not codes:
            return None, empty, f"unknown county name(s) {unknown or place!r}; use e.g. 曲阜市 or 邹城市"
        return (
            None,
            {
                **empty,
                "precision": "county",
                "county_adcodes": ",".join(codes),
                "geometry_source": "county-wide measure: no single place",
            },
            None,
        )
    if form == "city":
        return None, {**empty, "precision": "city", "geometry_source": "city-wide measure: no single place"}, None
    if form == "outside":
        res = geocoder.geocode(place)
        where = res.matched if res.status != "unresolved" else place
        return None, {**empty, "precision": "outside", "geometry_source": f"outside Jining: {where}"}, None
    raise AssertionError(form)  # validate_register rejects other forms


def site_groups(projects: gpd.GeoDataFrame) -> pd.Series:
    """A group id for every point measure that shares its exact location with another.

    Measures placed at one point (five at 尼山镇, two at the Jining urban centre)
    get the same ``site_group`` (``S1``, ``S2``, … in order of their first measure),
    so maps and exports can offer them together; all others get ``""``.
    """
    geoms = projects.geometry
    is_point = geoms.notna() & (geoms.geom_type == "Point")
    keys = pd.Series("", index=projects.index)
    pts = geoms[is_point]
    keys[is_point] = [f"{p.x:.6f},{p.y:.6f}" for p in pts]
    counts = keys[is_point].value_counts()
    shared = [k for k in dict.fromkeys(keys[is_point]) if counts[k] > 1]
    names = {k: f"S{i}" for i, k in enumerate(shared, start=1)}
    return keys.map(lambda k: names.get(k, ""))


def projects_from_register(
    register: pd.DataFrame | None = None,
    geocoder: Geocoder | None = None,
    shapes: gpd.GeoDataFrame | None = None,
    source: str = str(REGISTER_CSV),
) -> gpd.GeoDataFrame:
    """Locate every register record; return a GeoDataFrame in EPSG:4326.

    Raises :class:`RegisterError` listing every record that cannot be located
    because of an error in the data (an unknown shape or county, a point
    outside Jining). Unmatched point places are not errors: they come back with
    precision ``unresolved`` and a null geometry, so the QA summary shows them.
    """
    register = load_register() if register is None else register
    geocoder = geocoder or default_geocoder()
    shapes = load_shapes() if shapes is None else shapes
    geoms, fields, problems = [], [], []
    for i, rec in enumerate(register.to_dict("records")):
        geom, loc, problem = _locate(rec, geocoder, shapes)
        if problem:
            problems.append(Problem(i + 2, "place", problem))
        geoms.append(geom)
        fields.append(loc)
    if problems:
        raise RegisterError(source, problems)
    out = pd.concat([register.reset_index(drop=True), pd.DataFrame(fields)], axis=1)
    gdf = gpd.GeoDataFrame(out, geometry=geoms, crs="EPSG:4326")
    gdf["site_group"] = site_groups(gdf)
    return gdf


def read_projects(path: str | Path) -> gpd.GeoDataFrame:
    """Read a projects file written by :func:`to_geojson` (or a GeoParquet/GeoPackage with the same fields)."""
    path = Path(path)
    if path.suffix == ".parquet":
        gdf = gpd.read_parquet(path)
    else:
        gdf = gpd.read_file(path, engine="pyogrio")
    gdf["action"] = gdf["action"].astype(int)
    gdf["year"] = gdf["year"].astype(int)
    gdf["target"] = pd.to_numeric(gdf["target"], errors="coerce")
    gdf["precision_m"] = pd.to_numeric(gdf["precision_m"], errors="coerce")
    gdf["approximate"] = gdf["approximate"].astype(bool)
    for col in ("county_adcodes", "county_sizes", "geometry_source", "target_unit", "place"):
        gdf[col] = gdf[col].fillna("")
    gdf["site_group"] = site_groups(gdf)
    return gdf


def qa_summary(projects: gpd.GeoDataFrame) -> str:
    """A plain-text QA report: counts per action and form, and the records to check."""
    actions = load_actions()
    lines = [f"{len(projects)} measures"]
    lines.append("per action:")
    per_action = Counter(projects["action"])
    for aid, rec in actions.iterrows():
        lines.append(f"  {aid:>2} {rec['name_zh']}: {per_action.get(aid, 0)}")
    lines.append("per form: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(projects["form"]).items())))
    lines.append(
        "per precision: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(projects["precision"].fillna("none")).items()))
    )
    for label, mask in (
        ("unresolved", projects["precision"] == "unresolved"),
        ("approximate", projects["approximate"].astype(bool)),
        ("outside", projects["form"] == "outside"),
    ):
        sel = projects[mask]
        lines.append(f"{label} ({len(sel)}):")
        lines += [f"  {r.id} {r.title_zh} [{r.place}] ({r.precision})" for r in sel.itertuples()]
    return "\n".join(lines)


def to_geojson(projects: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write every record, null geometries included, as GeoJSON (RFC 7946, WGS-84)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    projects.to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES")
    return path


def to_geopackage(projects: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write one layer per action (``action_01`` … ``action_10``) plus ``counties``."""
    path = Path(path)
    path.unlink(missing_ok=True)
    for aid in sorted(projects["action"].unique()):
        layer = projects[projects["action"] == aid]
        layer.to_file(path, layer=f"action_{aid:02d}", driver="GPKG", engine="pyogrio", geometry_type="Unknown")
    load_counties().to_file(path, layer="counties", driver="GPKG", engine="pyogrio")
    return path


def register_projects(register_path: str | Path | None = None) -> gpd.GeoDataFrame:
    """The register (``geodata/register.csv`` by default) validated and geocoded; raises
    :class:`RegisterError` listing every problem."""
    register_path = Path(register_path) if register_path else REGISTER_CSV
    return projects_from_register(load_register(register_path), source=str(register_path))


def write_projects(projects: gpd.GeoDataFrame, out_dir: str | Path) -> list[Path]:
    """Write ``projects.geojson`` and ``projects.gpkg`` to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [to_geojson(projects, out_dir / "projects.geojson"), to_geopackage(projects, out_dir / "projects.gpkg")]


def build(out_dir: str | Path, register_path: str | Path | None = None) -> tuple[gpd.GeoDataFrame, list[Path]]:
    """Validate, geocode and write the register alone (see :func:`write_projects`). Nothing is
    written when the register has errors. The command line's ``build`` merges the store in
    between, as the app does (``layers.edits.changes.apply_store``)."""
    projects = register_projects(register_path)
    return projects, write_projects(projects, out_dir)


__all__ = [
    "FIELDS",
    "LOCATION_FIELDS",
    "build",
    "projects_from_register",
    "register_projects",
    "qa_summary",
    "site_groups",
    "to_geojson",
    "to_geopackage",
    "write_projects",
]
