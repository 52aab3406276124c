"""Lines and areas of the register, built from sourced parts.

``geodata/shapes.csv`` defines each shape by a construction over sourced data,
never by hand-drawn coordinates:

- ``waypoints``: a LineString through gazetteer places, in order (``inputs`` is a
  ``;``-separated list of gazetteer names);
- ``counties``: the union of county polygons (``inputs``: adcodes);
- ``buffer``: the union of buffers of ``radius_m`` metres (0 for a plain union)
  around gazetteer places, earlier shapes or counties (``inputs``: names, shape
  ids or adcodes);
- ``context``: context water features by name (``inputs``: e.g. 京杭运河, 微山湖);
  a lake is taken with its islands;
- ``towns``: the union of the approximate areas of the named towns
  (``inputs``: names from ``towns.csv``; see :func:`layers.geo.towns.town_cells`);
- ``towns_near``: the approximate areas of the towns in the ``clip`` counties that
  lie within ``radius_m`` of the ``inputs`` (context features or earlier shapes),
  e.g. the 梁山 towns along the Yellow River.

Every result can be clipped to counties (``clip``: adcodes, or ``city``). Buffers
and clipping are done in CGCS2000 Gauss-Krüger (EPSG:4548). Every shape is
approximate: its ``precision_m`` and ``description`` say how well it is known and
how it was built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers._errors import GazetteerError, Problem
from layers._paths import SHAPES_CSV
from layers.geo.boundaries import load_city, load_counties
from layers.geo.coords import GK_CRS, WGS84
from layers.geo.gazetteer import normalise, read_gazetteer

SHAPE_FIELDS = (
    "shape_id",
    "name_zh",
    "name_en",
    "aliases",
    "kind",
    "geom",
    "method",
    "inputs",
    "radius_m",
    "clip",
    "precision_m",
    "description",
    "source",
)
METHODS = ("waypoints", "counties", "buffer", "context", "towns", "towns_near")


def _split(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(";") if t.strip()]


def _context_geoms(context: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    """Context water by name, in EPSG:4548; lakes with their islands (holes filled)."""
    water = context[context["kind"].isin(["lake", "river", "canal"])].to_crs(GK_CRS)
    out = {}
    for name, kind, g in zip(water["name_zh"], water["kind"], water.geometry, strict=True):
        if kind == "lake":
            g = shapely.union_all([shapely.Polygon(p.exterior) for p in getattr(g, "geoms", [g])])
        out[name] = g
    return out


@dataclass
class _Parts:
    """What shapes are built from, in EPSG:4548: counties by adcode, context water by name,
    approximate town areas, gazetteer points by normalised name and alias, the city, and
    the shapes built so far (by ``shape_id``; later shapes may use earlier ones)."""

    counties: gpd.GeoDataFrame
    water: dict[str, shapely.Geometry]
    cells_gk: gpd.GeoDataFrame
    cell_by_name: dict[str, shapely.Geometry]
    town_names: set[str]
    town_precision: dict[str, float]
    city: shapely.Geometry
    points: dict[str, shapely.Point]
    built: dict[str, shapely.Geometry] = field(default_factory=dict)


def _parts(gazetteer: pd.DataFrame, context, cells) -> _Parts:
    """The parts for :func:`build_shapes`; ``context`` and ``cells`` default to the committed data."""
    from layers.geo.context import load_context
    from layers.geo.towns import town_cells

    cells = town_cells(gazetteer, load_counties()) if cells is None else cells
    cells_gk = cells.to_crs(GK_CRS)
    gaz = gazetteer.copy()
    gaz_gk = gpd.GeoSeries(gpd.points_from_xy(gaz["lon"], gaz["lat"]), crs=WGS84).to_crs(GK_CRS)
    points = {normalise(n): g for n, g in zip(gaz["name_zh"], gaz_gk, strict=True)}
    for aliases, g in zip(gaz["aliases"], gaz_gk, strict=True):
        for a in filter(None, aliases.split("|")):
            points.setdefault(normalise(a), g)
    return _Parts(
        counties=load_counties().to_crs(GK_CRS).set_index("adcode"),
        water=_context_geoms(load_context() if context is None else context),
        cells_gk=cells_gk,
        cell_by_name=dict(zip(cells_gk["name_zh"], cells_gk.geometry, strict=True)),
        town_names=set(gazetteer.loc[gazetteer["town_code"] != "", "name_zh"]),
        town_precision=dict(zip(gazetteer["name_zh"], gazetteer["precision_m"], strict=True)),
        city=load_city().to_crs(GK_CRS).geometry.iloc[0],
        points=points,
    )


def _waypoints(rec: dict, inputs: list[str], parts: _Parts, bad) -> tuple[shapely.Geometry | None, list[str]]:
    """A LineString through gazetteer places, in order."""
    pts = []
    for name in inputs:
        p = parts.points.get(normalise(name))
        if p is None:
            bad("inputs", f"waypoint {name!r} is not in the gazetteer; add it there with its source")
        pts.append(p)
    if len(inputs) < 2:
        bad("inputs", "a line needs at least two waypoints")
    elif all(p is not None for p in pts):
        return shapely.LineString([(p.x, p.y) for p in pts]), []
    return None, []


def _counties(rec: dict, inputs: list[str], parts: _Parts, bad) -> tuple[shapely.Geometry | None, list[str]]:
    """The union of county polygons."""
    missing = [c for c in inputs if c not in parts.counties.index]
    if missing or not inputs:
        bad("inputs", f"unknown adcode(s) {missing}; use the 11 county adcodes")
        return None, []
    return shapely.union_all(parts.counties.loc[inputs].geometry.values), []


def _buffer(rec: dict, inputs: list[str], parts: _Parts, bad) -> tuple[shapely.Geometry | None, list[str]]:
    """The union of buffers around gazetteer places, earlier shapes or counties (0: a plain union)."""
    try:
        radius = float(rec["radius_m"])
        if radius < 0:
            raise ValueError
    except ValueError:
        bad("radius_m", f"{rec['radius_m']!r} is not a distance in metres (0 or more)")
        radius = None
    found = []
    for name in inputs:
        g = parts.built.get(name) or parts.points.get(normalise(name))
        if g is None and name in parts.counties.index:
            g = parts.counties.loc[name].geometry
        if g is None:
            bad("inputs", f"{name!r} is neither an earlier shape_id nor a gazetteer name")
        found.append(g)
    if radius is not None and inputs and all(g is not None for g in found):
        return shapely.union_all([g.buffer(radius) if radius else g for g in found]), []
    return None, []


def _context(rec: dict, inputs: list[str], parts: _Parts, bad) -> tuple[shapely.Geometry | None, list[str]]:
    """Context water features by name."""
    missing = [n for n in inputs if n not in parts.water]
    if missing or not inputs:
        bad("inputs", f"{missing or inputs} not in the context water; use one of {', '.join(parts.water)}")
        return None, []
    return shapely.union_all([parts.water[n] for n in inputs]), []


def _towns(rec: dict, inputs: list[str], parts: _Parts, bad) -> tuple[shapely.Geometry | None, list[str]]:
    """The union of the named towns' approximate areas; the towns are its members."""
    unknown = [n for n in inputs if n not in parts.town_names]
    no_seat = [n for n in inputs if n in parts.town_names and n not in parts.cell_by_name]
    if unknown or not inputs:
        bad("inputs", f"{unknown or inputs} not in towns.csv; use the official names, e.g. 大束镇")
    elif no_seat:
        bad("inputs", f"{no_seat} have no seat point, so no approximate area; use their county instead")
    else:
        return shapely.union_all([parts.cell_by_name[n] for n in inputs]), inputs
    return None, []


def _towns_near(rec: dict, inputs: list[str], parts: _Parts, bad) -> tuple[shapely.Geometry | None, list[str]]:
    """The approximate areas of the ``clip`` counties' towns within ``radius_m`` of the inputs."""
    targets = [parts.built.get(n) or parts.water.get(n) for n in inputs]
    clip_codes = _split(rec["clip"])
    try:
        radius = float(rec["radius_m"])
    except ValueError:
        radius = None
        bad("radius_m", f"{rec['radius_m']!r} is not a distance in metres")
    if not inputs or any(t is None for t in targets):
        bad("inputs", f"{inputs!r}: give context water names or earlier shape ids")
    elif not clip_codes or not all(c in parts.counties.index for c in clip_codes):
        bad("clip", "towns_near needs the county adcode(s) to choose towns from")
    elif radius is not None:
        cells = parts.cells_gk
        near = cells[cells["county_adcode"].isin(clip_codes) & (cells.distance(shapely.union_all(targets)) <= radius)]
        if near.empty:
            bad("radius_m", "no town lies that close; widen the distance")
        else:
            return shapely.union_all(list(near.geometry)), list(near["name_zh"])
    return None, []


#: How each ``method`` builds its geometry: (rec, inputs, parts, bad) -> (geometry or None, member towns).
_BUILDERS = {
    "waypoints": _waypoints,
    "counties": _counties,
    "buffer": _buffer,
    "context": _context,
    "towns": _towns,
    "towns_near": _towns_near,
}


def _finish(rec: dict, geom, members: list[str], parts: _Parts, bad):
    """Check a built shape against its row (precision no finer than its towns', the kind of
    geometry) and clip it; returns the geometry (None when there is none)."""
    if members:
        coarsest = max(parts.town_precision[n] for n in members)
        if float(rec["precision_m"] or 0) < coarsest:
            bad("precision_m", f"{rec['precision_m']!r} is finer than its towns' own precision ({coarsest:.0f} m)")
    clip = _split(rec["clip"])
    if geom is not None and clip:
        if clip == ["city"]:
            geom = geom.intersection(parts.city)
        elif all(c in parts.counties.index for c in clip):
            geom = geom.intersection(shapely.union_all(parts.counties.loc[clip].geometry.values))
        else:
            bad("clip", f"{rec['clip']!r} must be 'city' or county adcodes separated by ;")
    if geom is not None:
        want = "LineString" if rec["geom"] == "line" else "Polygon"
        if want not in geom.geom_type:
            bad("geom", f"construction gave a {geom.geom_type}, expected a {rec['geom']}")
    return geom


def build_shapes(
    defs: pd.DataFrame,
    gazetteer: pd.DataFrame,
    context: gpd.GeoDataFrame | None = None,
    cells: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Build every shape in ``defs``; raise :class:`GazetteerError` listing every problem.

    ``context`` and ``cells`` (the approximate town areas) default to the committed data.
    """
    parts = _parts(gazetteer, context, cells)
    problems: list[Problem] = []
    for i, rec in enumerate(defs.to_dict("records")):
        row = i + 2

        def bad(field, msg, row=row):
            problems.append(Problem(row, field, msg))

        builder = _BUILDERS.get(rec["method"])
        if builder is None:
            bad("method", f"{rec['method']!r} is not one of {', '.join(METHODS)}")
            geom, members = None, []
        else:
            geom, members = builder(rec, _split(rec["inputs"]), parts, bad)
        geom = _finish(rec, geom, members, parts, bad)
        if geom is not None:
            parts.built[rec["shape_id"]] = geom
    if problems:
        raise GazetteerError(str(SHAPES_CSV), problems)
    gdf = gpd.GeoDataFrame(
        defs.assign(precision_m=defs["precision_m"].astype(float)),
        geometry=[parts.built[s] for s in defs["shape_id"]],
        crs=GK_CRS,
    )
    return gdf.to_crs(WGS84)


def read_shape_defs(path: str | Path | None = None) -> pd.DataFrame:
    path = Path(path) if path is not None else SHAPES_CSV
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [f for f in SHAPE_FIELDS if f not in df.columns]
    if missing:
        raise GazetteerError(str(path), [Problem(1, f, "column is missing; add it") for f in missing])
    return df


@lru_cache(maxsize=1)
def _shapes() -> gpd.GeoDataFrame:
    return build_shapes(read_shape_defs(), read_gazetteer())


def load_shapes() -> gpd.GeoDataFrame:
    """All lines and areas, EPSG:4326, with their definitions as columns."""
    return _shapes().copy()


def find_shape(text: str, shapes: gpd.GeoDataFrame | None = None):
    """Return the shape row whose id, name or alias matches ``text`` (normalised), or None."""
    shapes = _shapes() if shapes is None else shapes
    key = normalise(text)
    for _, rec in shapes.iterrows():
        names = [rec["shape_id"], rec["name_zh"], *filter(None, rec["aliases"].split("|"))]
        if key in {normalise(n) for n in names}:
            return rec
    return None


def county_lengths_km(geom, counties: gpd.GeoDataFrame | None = None) -> dict[str, float]:
    """Length (km, Gauss-Krüger) of a line in each county it touches; for an
    area, the area (km²) in each county. Counties with nothing are left out."""
    counties = load_counties() if counties is None else counties
    gk = counties.to_crs(GK_CRS)
    g = gpd.GeoSeries([geom], crs=WGS84).to_crs(GK_CRS).iloc[0]
    out = {}
    for code, poly in zip(gk["adcode"], gk.geometry, strict=True):
        part = g.intersection(poly)
        size = part.length / 1e3 if "Line" in g.geom_type else part.area / 1e6
        if size > 0.005:
            out[code] = round(size, 2)
    return out
