"""One validation layer for every way data comes in: imports, corrections, the store.

The importer checks each row with :func:`check_record`, the store refuses on write
what this module refuses (:class:`InvalidRecordError`), and a stored record that
fails on read (written before these rules, or by hand) is quarantined by
:func:`split_valid` instead of breaking the map for everyone.

The rules, each with its reason:

- **Numbers are finite and in range.** ``action`` 1-10; ``year`` 1949-2100;
  ``target`` 0 to 10⁹; ``precision_m`` 0 to 10⁶ m. (A year of 1e20 overflowed every
  page once.)
- **Coordinates lie in a box around Jining** (:data:`BOX`, Jining's extent plus
  about 1°, so neighbours and the odd point just outside still fit; (0, 0), the
  poles and the antimeridian do not). Geometries are parsed, finite, valid (or made
  valid), at most :data:`MAX_VERTICES` vertices and :data:`MAX_AREA_KM2` in area.
- **Ids** are normalised: NFKC, zero-width characters removed, trimmed, letters in
  upper case (ids are case-insensitive: ``imp-1a`` and ``IMP-1A`` are one measure),
  at most 64 characters of letters, digits, ``-``, ``_`` and ``.``.
- **Text** has length limits (:data:`TEXT_LIMITS`); control characters are
  stripped (tabs and line breaks become spaces).
"""

from __future__ import annotations

import math
import re
import unicodedata

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping, shape

from layers._errors import DataError, Msg, Problem, in_lang
from layers._text import _BIDI, _CONTROL, _ZERO_WIDTH, clean_text

#: lon/lat box: Jining (115.9–117.6 E, 34.4–36.0 N) plus about one degree.
BOX = (114.5, 33.3, 119.0, 37.2)
#: A measure is one point, one line or one area, or several of one kind. A collection of
#: mixed kinds broke the static maps and the Shapefile export, so it is refused here.
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
MAX_VERTICES = 20_000
MAX_AREA_KM2 = 20_000  # Jining is 11,187 km²
YEARS = (1949, 2100)
TARGET_MAX = 1e9
PRECISION_MAX_M = 1e6
TEXT_LIMITS = {
    "title_zh": 200,
    "title_en": 300,
    "summary_zh": 2000,
    "place": 200,
    "target_unit": 20,
    "kind": 30,
    "section": 100,
    "geometry_source": 2000,
    "county_adcodes": 200,
    "county_sizes": 2000,
    "who": 64,
}
ID_MAX = 64
_ID = re.compile(r"^\w[\w.\-]*$")


class InvalidRecordError(DataError):
    """A record breaks a validation rule; nothing was written."""


def normalise_id(value) -> str:
    """NFKC, zero-width characters removed, trimmed, upper case."""
    s = unicodedata.normalize("NFKC", "" if value is None else str(value)).translate(_ZERO_WIDTH).translate(_BIDI)
    return _CONTROL.sub("", s).strip().upper()


def in_box(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat) and BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3]


def _finite(value) -> float | None:
    """``value`` as a finite float, or None when it is not one."""
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _polygonal(g) -> shapely.Geometry | None:
    """The areas of a repaired polygon: ``make_valid`` turns a spike or a bow-tie into a
    collection of polygons and lines, and only the polygons are the area."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def check_geometry(geom) -> tuple[shapely.Geometry | None, str | None]:
    """Parse and check a geometry (a shapely geometry or a GeoJSON mapping).

    Returns (geometry, None) when it is usable (made valid if needed), else (None, reason).
    """
    if geom is None:
        return None, None
    try:
        g = geom if isinstance(geom, shapely.Geometry) else shape(geom)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        return None, Msg(f"not a readable geometry ({type(exc).__name__})", f"无法识别的几何图形({type(exc).__name__})")
    if g.is_empty:
        return None, Msg("the geometry is empty", "几何图形为空")
    if g.geom_type not in GEOMETRY_TYPES:
        return None, Msg(
            f"a {g.geom_type} mixes points, lines and areas; a measure is one point, one line or one area "
            "(or several of one kind): save each kind as its own measure",
            f"{g.geom_type} 混合了点、线和面;一项措施只能是点、线或面(或同类的多个):请分别保存为不同措施",
        )
    xy = shapely.get_coordinates(g)
    if len(xy) > MAX_VERTICES:
        return None, Msg(
            f"{len(xy):,} vertices; the limit is {MAX_VERTICES:,}: simplify the line or area first",
            f"有 {len(xy):,} 个顶点,上限 {MAX_VERTICES:,}:请先简化线或面",
        )
    if not np.isfinite(xy).all():
        return None, Msg(
            "has coordinates that are not finite numbers (NaN or infinity)", "有坐标不是有限数值(NaN 或无穷大)"
        )
    minx, miny, maxx, maxy = g.bounds
    if not (in_box(minx, miny) and in_box(maxx, maxy)):
        return None, Msg(
            f"lies outside the area around Jining (lon {BOX[0]}–{BOX[2]}, lat {BOX[1]}–{BOX[3]}): "
            "check the coordinate system and the order of lon and lat",
            f"位于济宁周边范围之外(经度 {BOX[0]}–{BOX[2]},纬度 {BOX[1]}–{BOX[3]}):请检查坐标系和经纬度顺序",
        )
    if g.geom_type.endswith("Polygon"):
        if not g.is_valid:
            g = _polygonal(shapely.make_valid(g))
            if g is None:
                return None, Msg(
                    "the area has no inside once its self-intersections are resolved; draw it again",
                    "该面去除自相交后没有面积;请重新绘制",
                )
        from layers.geo.coords import GK_CRS

        km2 = gpd.GeoSeries([g], crs=4326).to_crs(GK_CRS).area.iloc[0] / 1e6
        if km2 > MAX_AREA_KM2:
            return None, Msg(
                f"an area of {km2:,.0f} km², larger than Jining; check the file",
                f"面积 {km2:,.0f} 平方公里,比济宁市还大;请检查文件",
            )
    return g, None


def check_record(rec: dict) -> tuple[dict, list[Problem]]:
    """Clean ``rec`` (ids, text) and check it; return (cleaned record, problems).

    Problems name the field; ``row`` is 0 (callers that know the row set it).
    """
    out = dict(rec)
    problems: list[Problem] = []

    def bad(field, msg):
        problems.append(Problem(0, field, msg))

    mid = normalise_id(rec.get("id"))
    if not mid:
        bad("id", Msg("empty; every measure needs an id", "为空;每项措施都需要编号"))
    elif len(mid) > ID_MAX or not _ID.match(mid):
        bad(
            "id",
            Msg(
                f"{mid[:80]!r}: use at most {ID_MAX} letters, digits, '-', '_' or '.' (no spaces)",
                f"“{mid[:80]}”:最多 {ID_MAX} 个字母、数字、“-”“_”或“.”(不含空格)",
            ),
        )
    out["id"] = mid
    for field, limit in TEXT_LIMITS.items():
        if field in rec and rec[field] is not None and not isinstance(rec[field], (int, float)):
            text = clean_text(rec[field])
            if len(text) > limit:
                bad(
                    field,
                    Msg(
                        f"{len(text)} characters; the limit is {limit}: shorten it",
                        f"{len(text)} 个字,上限 {limit}:请缩短",
                    ),
                )
            out[field] = text
    action = rec.get("action")
    if not isinstance(action, int) or isinstance(action, bool) or not 1 <= action <= 10:
        bad("action", Msg(f"{action!r} is not an action; use 1-10", f"“{action}”不是行动;请填 1-10"))
    year = rec.get("year")
    y = None if isinstance(year, bool) else _finite(year)
    if y is None or y != int(y) or not YEARS[0] <= y <= YEARS[1]:
        bad(
            "year",
            Msg(
                f"{str(year)[:30]!r} is not a year between {YEARS[0]} and {YEARS[1]}",
                f"“{str(year)[:30]}”不是 {YEARS[0]} 至 {YEARS[1]} 之间的年份",
            ),
        )
    else:
        out["year"] = int(y)
    for field, top, what, what_zh in (
        ("target", TARGET_MAX, f"a number between 0 and {TARGET_MAX:.0e}", f"0 至 {TARGET_MAX:.0e} 之间的数"),
        (
            "precision_m",
            PRECISION_MAX_M,
            f"a distance between 0 and {PRECISION_MAX_M:.0e} m",
            f"0 至 {PRECISION_MAX_M:.0e} 米之间的距离",
        ),
    ):
        value = rec.get(field)  # optional: None or NaN is "not given"
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            v = None if isinstance(value, bool) else _finite(value)
            if v is None or not 0 <= v <= top:
                bad(field, Msg(f"{str(value)[:30]!r} is not {what}", f"“{str(value)[:30]}”不是{what_zh}"))
            else:
                out[field] = v
    if rec.get("geometry") is not None:
        g, reason = check_geometry(rec["geometry"])
        if reason:
            bad("geometry", reason)
        else:
            out["geometry"] = mapping(g)
    return out, problems


def check_records(records: list[dict], source: str = "store") -> list[dict]:
    """Clean every record, or raise :class:`InvalidRecordError` listing every problem (row = position + 1)."""
    cleaned, problems = [], []
    for i, rec in enumerate(records):
        out, probs = check_record(rec)
        label = out.get("id") or f"record {i + 1}"
        problems += [
            Problem(i + 1, p.field, Msg(f"{label}: {p.message}", f"{label}:{in_lang(p.message, 'zh')}")) for p in probs
        ]
        cleaned.append(out)
    if problems:
        raise InvalidRecordError(source, problems)
    return cleaned


def split_valid(stored: dict[str, dict]) -> tuple[dict[str, dict], dict[str, str]]:
    """Split stored records into (usable, quarantined id → reason).

    A stored record that breaks a rule is left out of the map and the exports and
    listed with its problem, so one bad record never takes a page down. Where two stored
    rows normalise to one id (``imp-leg1``, written before ids were normalised, and
    ``IMP-LEG1``), the newer one is used (:func:`recency`).
    """
    good, bad, rank = {}, {}, {}
    for mid, rec in stored.items():
        out, problems = check_record({k: v for k, v in rec.items() if not k.startswith("_")})
        if problems:
            bad[mid] = "; ".join(f"{p.field}: {p.message}" for p in problems)
        elif out["id"] not in good or recency(mid, rec) > rank[out["id"]]:
            good[out["id"]] = {**out, **{k: v for k, v in rec.items() if k.startswith("_")}}
            rank[out["id"]] = recency(mid, rec)
    return good, bad


def recency(stored_id: str, rec: dict) -> tuple:
    """How recent a stored row is, to choose between rows whose ids normalise to one: the
    time it was saved, then whether its id is already normalised, then its version."""
    import datetime as dt

    try:
        at = dt.datetime.fromisoformat(str(rec.get("_updated_at"))).timestamp()
    except (TypeError, ValueError, OverflowError):
        at = -math.inf
    return at, stored_id == normalise_id(stored_id), _finite(rec.get("_version")) or 0


def by_normalised_id(stored: dict[str, dict]) -> dict[str, dict]:
    """Stored records by normalised id, the newest of rows that share one (:func:`recency`)."""
    out: dict[str, tuple] = {}
    for sid, rec in stored.items():
        mid = normalise_id(sid)
        if mid not in out or recency(sid, rec) > out[mid][0]:
            out[mid] = (recency(sid, rec), rec)
    return {mid: rec for mid, (_, rec) in out.items()}
