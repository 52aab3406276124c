"""The review of an imported list: map its headers, then check and locate every row.

:func:`review_import` is a pipeline of named steps, each testable on its own:

1. :func:`map_headers`: file headers to fields (``--map`` / the app's choices win);
2. per row, :func:`read_cells` (the row's text by field), :func:`read_fields` (title,
   action, district, kind, target, year) and :func:`read_coordinates`;
3. :func:`locate`: by coordinates (:func:`locate_by_coordinates`: the coordinate system
   checked, a point > 5 km outside Jining an error unless the row says 市外), else by
   place text (:func:`locate_by_place`: the offline geocoder, never a guess), else city-wide;
4. :func:`build_record` (with the identity rule, :func:`identity`) and
   :func:`check_built_record` (the store's own rules, ``layers.edits.validate.check_record``);
5. :func:`match_stored`: a second row for one measure is an error; a stored record makes
   the row ``unchanged`` or a ``conflict``.

Every problem names the row (as Excel numbers it) and the file's own column.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field

import pandas as pd
import shapely

from layers._errors import Msg, Problem, in_lang
from layers.edits.import_report import ImportReport, RowResult
from layers.edits.validate import by_normalised_id, check_record
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_at, county_code, county_names, km_outside_city, load_counties
from layers.geo.coords import canonical_system, is_projected, to_wgs84
from layers.geo.gazetteer import default_geocoder, normalise, town_at
from layers.geo.register import KINDS

#: Canonical import fields and the headers planners use for them (compared after normalising).
HEADERS = {
    "id": ["id", "编号", "项目编号", "序号id"],
    "title_zh": ["title", "title_zh", "name", "项目名称", "名称", "措施", "项目", "措施名称"],
    "title_en": ["title_en", "english", "英文名称"],
    "action": ["action", "所属行动", "行动", "攻坚行动"],
    "district": ["district", "county", "县区", "县市区", "区县", "所在县区", "县(市、区)"],
    "place": ["place", "address", "location", "地点", "地址", "位置", "建设地点"],
    "lon": ["lon", "lng", "longitude", "x", "经度", "东经", "横坐标"],
    "lat": ["lat", "latitude", "y", "纬度", "北纬", "纵坐标"],
    "kind": ["kind", "type", "类型", "项目类型"],
    "summary_zh": ["summary", "summary_zh", "description", "内容", "建设内容", "摘要", "说明"],
    "target": ["target", "目标", "目标数量"],
    "target_unit": ["unit", "target_unit", "单位"],
    "year": ["year", "年份", "年度"],
}
FIELDS = tuple(HEADERS)
#: What a district cell says for a measure outside the city.
OUTSIDE_WORDS = ("市外", "济宁市外", "outside", "Outside")
#: Imported points farther than this outside the border are errors (a swapped lon/lat or a
#: wrong coordinate system, most often), unless the row says 市外; nearer ones are warnings.
OUTSIDE_TOLERANCE_KM = 5.0


def _key(header: str) -> str:
    return unicodedata.normalize("NFKC", str(header)).strip().casefold().replace(" ", "").replace("_", "")


_LOOKUP = {_key(name): f for f, names in HEADERS.items() for name in names}


def _check_field(header: str, field: str) -> None:
    if field and field not in FIELDS:
        raise ValueError(
            Msg(
                f"{header!r} cannot be mapped to {field[:40]!r}: the fields are {', '.join(FIELDS)} (or nothing, to ignore it)",
                f"“{header}”不能对应到“{field[:40]}”:可用字段为 {'、'.join(FIELDS)}(留空则忽略该列)",
            )
        )


def parse_mapping(item: str) -> tuple[str, str]:
    """A ``HEADER=FIELD`` mapping (the command line's ``--map``) as (header, field): FIELD is one
    of :data:`FIELDS`, or empty to ignore the column. Raises ValueError otherwise."""
    header, sep, field = item.partition("=")
    if not sep or not header:
        raise ValueError(Msg(f"{item[:80]!r}: write HEADER=FIELD", f"“{item[:80]}”:请写成 表头=字段"))
    _check_field(header, field)
    return header, field


def map_headers(columns, overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Map file headers to fields. Returns (header -> field, unknown headers).

    ``overrides`` maps a header to a field (or to "" to ignore it); it wins over the
    built-in names, so the planner can map any header.
    """
    overrides = overrides or {}
    for col, f in overrides.items():
        _check_field(col, f)
    mapping, unknown = {}, []
    for col in columns:
        if col in overrides:
            if overrides[col]:
                mapping[col] = overrides[col]
            continue
        f = _LOOKUP.get(_key(col))
        if f and f not in mapping.values():
            mapping[col] = f
        else:
            unknown.append(str(col))
    return mapping, unknown


def identity(rec: dict) -> str:
    """The id of an imported row: its own, or IMP- plus a hash of action and normalised title."""
    if rec.get("id"):
        return rec["id"].strip()
    key = f"{rec['action']}|{normalise(rec['title_zh'])}"
    return "IMP-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10].upper()


def _action(value: str) -> int | None:
    v = unicodedata.normalize("NFKC", value).strip()
    if not v:
        return None
    actions = load_actions()
    if v.isdigit() and int(v) in actions.index:
        return int(v)
    for aid, rec in actions.iterrows():
        names = {rec["name_zh"], rec["name_en"], rec["symbol"], rec["name_zh"].replace("攻坚行动", "")}
        if v in names or normalise(v) in {normalise(n) for n in names}:
            return int(aid)
    return None


def _number(text: str) -> float | None:
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not t:
        return None
    f = float(t)  # ValueError handled by the caller
    if not math.isfinite(f):
        raise ValueError
    return f


def _jining_box():
    minx, miny, maxx, maxy = load_counties().total_bounds
    return minx, miny, maxx, maxy


def check_coordinates(x: float, y: float, crs: str) -> tuple[str | None, list[str]]:
    """Return (error, warnings) for raw coordinates read in ``crs``."""
    warnings = []
    if is_projected(crs):
        if abs(x) <= 180 and abs(y) <= 90:
            return Msg(
                "the numbers look like degrees, not Gauss-Krüger metres; choose WGS-84, GCJ-02, BD-09 or "
                "CGCS2000 for this file",
                "数值像经纬度而不是高斯-克吕格米制坐标;请为此文件选择 WGS-84、GCJ-02、BD-09 或 CGCS2000",
            ), []
        if crs == "epsg:4527" and x < 1_000_000:
            return Msg(
                "the easting has no zone prefix 39; choose EPSG:4548 for this file",
                "横坐标没有带号前缀 39;请为此文件选择 EPSG:4548",
            ), []
        if crs == "epsg:4548" and x > 10_000_000:
            return Msg(
                "the easting starts with the zone number (39…); choose EPSG:4527 for this file",
                "横坐标以带号(39…)开头;请为此文件选择 EPSG:4527",
            ), []
        return None, []
    minx, miny, maxx, maxy = _jining_box()
    if abs(x) <= 90 and 90 < abs(y) <= 180:
        return Msg(
            "longitude and latitude are swapped (a latitude cannot exceed 90); exchange the 经度/纬度 values",
            "经度和纬度填反了(纬度不能大于 90);请交换经度、纬度两列的值",
        ), []
    if abs(x) > 180 or abs(y) > 90:
        return Msg(
            "the numbers look like projected metres, not degrees; choose EPSG:4548 or EPSG:4527 "
            "(CGCS2000 Gauss-Krüger) for this file",
            "数值像投影坐标(米)而不是经纬度;请为此文件选择 EPSG:4548 或 EPSG:4527(CGCS2000 高斯-克吕格)",
        ), []
    if miny - 1 <= x <= maxy + 1 and minx - 1 <= y <= maxx + 1 and not (minx - 1 <= x <= maxx + 1):
        warnings.append(
            Msg(
                "longitude and latitude look swapped (经度/纬度 columns exchanged?)",
                "经度和纬度似乎填反了(两列是否互换?)",
            )
        )
    return None, warnings


def _is_num(text: str) -> bool:
    try:
        return _number(text) is not None
    except ValueError:
        return False


@dataclass
class RowCells:
    """One row under review: its text by field (stripped; "" for a field with no column),
    the file's header of each field (``columns``), and its result, where problems go."""

    values: dict[str, str]
    columns: dict[str, str]
    result: RowResult

    def get(self, name: str) -> str:
        """The row's text for the field ``name`` ("" when the file has no such column)."""
        return self.values.get(name, "")

    def bad(self, column: str, message) -> None:
        """Record a problem in ``column`` (the file's header) of this row."""
        self.result.problems.append(Problem(self.result.row, column, message))


@dataclass
class RowFields:
    """A row's fields as read and checked; a cell that is not valid left its problem in the row."""

    title: str
    action: int | None
    district: str | None  # the adcode the district cell names (None: none, or 市外)
    declared_outside: bool  # the district cell says 市外
    kind: str
    target: float | None
    unit: str
    year: int


@dataclass
class Location:
    """Where a row's measure is (WGS-84), how well that is known and where it came from."""

    geometry: shapely.Geometry | None = None
    precision: str = ""
    precision_m: float | None = None
    source: str = ""
    form: str = "point"
    county: str | None = None
    matched: str = ""  # what the row was located by: the gazetteer's name, or the WGS-84 point


@dataclass
class ReviewContext:
    """What every row's review needs: the coordinate system, the headers of the fields, the
    actions, the county names, the geocoder, the stored records by normalised id, and the
    ids of the rows reviewed so far (a second row for one measure is an error)."""

    crs: str
    columns: dict[str, str]
    actions: pd.DataFrame
    names: dict[str, str]
    geocoder: object
    existing: dict[str, dict]
    seen: dict[str, int] = field(default_factory=dict)


def missing_columns(columns: dict[str, str]) -> RowResult | None:
    """An error on the header row when the file has no column for a name or an action."""
    missing = [f for f in ("title_zh", "action") if f not in columns]
    if not missing:
        return None
    need = {"title_zh": "项目名称/title", "action": "所属行动/action"}
    no_column = Msg("no column for it; rename a header or map it", "没有对应的列;请修改表头或指定对应字段")
    return RowResult(1, "error", problems=[Problem(1, need[f], no_column) for f in missing])


def read_cells(row: int, raw: dict, columns: dict[str, str]) -> RowCells:
    """Row ``row`` of the file (``raw``: header -> cell) by field; ``columns``: field -> header."""
    values = {f: str(raw.get(col, "")).strip() for f, col in columns.items()}
    return RowCells(values, columns, RowResult(row, "ok", title=values.get("title_zh", "")))


def read_fields(cells: RowCells) -> RowFields:
    """Read and check a row's title, action, district, kind, target and year."""
    get, bad, col = cells.get, cells.bad, cells.columns
    title = get("title_zh")
    if not title:
        bad(col["title_zh"], Msg("empty; every measure needs a name", "为空;每项措施都需要名称"))
    action = _action(get("action"))
    if action is None:
        bad(
            col["action"],
            Msg(
                f"{get('action')!r} is not an action; use 1-10 or its name, e.g. 乡村振兴攻坚行动",
                f"“{get('action')}”不是行动;请填 1-10 或行动名称,如 乡村振兴攻坚行动",
            ),
        )
    district, declared_outside = _read_district(cells)
    kind = get("kind") or "site"
    if kind not in KINDS:
        bad(
            col["kind"],
            Msg(f"{kind!r} is not one of: {', '.join(KINDS)}", f"“{kind}”不是以下类型之一:{'、'.join(KINDS)}"),
        )
    target = None
    try:
        target = _number(get("target"))
    except ValueError:
        bad(col["target"], Msg(f"{get('target')!r} is not a number", f"“{get('target')}”不是数字"))
    year = 2020
    if get("year"):
        try:
            year = int(_number(get("year")))
        except (ValueError, TypeError):
            bad(col["year"], Msg(f"{get('year')!r} is not a year", f"“{get('year')}”不是年份"))
    return RowFields(title, action, district, declared_outside, kind, target, get("target_unit"), year)


def _read_district(cells: RowCells) -> tuple[str | None, bool]:
    """The district cell: (the county's adcode or None, whether it says 市外)."""
    text = cells.get("district")
    declared_outside = text in OUTSIDE_WORDS
    district = None
    if text and not declared_outside:
        district = county_code(text)
        if district is None:
            cells.bad(
                cells.columns["district"],
                Msg(
                    f"{text!r} is not one of Jining's 11 county-level divisions",
                    f"“{text}”不是济宁市 11 个县市区之一(市外请填“市外”)",
                ),
            )
    return district, declared_outside


def read_coordinates(cells: RowCells) -> tuple[float, float] | None:
    """The row's lon/lat (or x/y) numbers as written; None when neither is given, or (with a
    problem) when they are not two numbers."""
    lon, lat = cells.get("lon"), cells.get("lat")
    if not (lon or lat):
        return None
    try:
        x, y = _number(lon), _number(lat)
        if x is None or y is None:
            raise ValueError
    except ValueError:
        col = cells.columns.get("lon") if not lon or not _is_num(lon) else cells.columns.get("lat")
        cells.bad(
            col,
            Msg(
                f"lon {lon!r} / lat {lat!r}: give both coordinates as numbers, or neither",
                f"经度“{lon}”/纬度“{lat}”:请同时填写两个数字坐标,或都不填",
            ),
        )
        return None
    return x, y


def locate(cells: RowCells, fields: RowFields, ctx: ReviewContext) -> Location:
    """Locate a row: by its coordinates, else by its place (or district) text, else city-wide."""
    coordinates = read_coordinates(cells)
    if coordinates is not None:
        return locate_by_coordinates(cells, fields, *coordinates, ctx.crs, ctx.names)
    if cells.get("place") or fields.district:
        return locate_by_place(cells, fields, ctx.names, ctx.geocoder)
    cells.result.status = "unresolved"
    return Location(precision="unresolved", source="no place and no coordinates given", form="city")


def locate_by_coordinates(
    cells: RowCells, fields: RowFields, x: float, y: float, crs: str, names: dict[str, str]
) -> Location:
    """A point from coordinates read in ``crs``. The system is checked; a point more than
    :data:`OUTSIDE_TOLERANCE_KM` outside Jining is an error unless the row says 市外 (nearer:
    a warning), as is a point in another county than the row names (a warning)."""
    error, warns = check_coordinates(x, y, crs)
    cells.result.warnings += warns
    if error:
        cells.bad(cells.columns["lon"], error)
        return Location()
    lon, lat = to_wgs84(x, y, crs)
    c = county_at(lon, lat)
    beyond = 0.0 if c else km_outside_city(lon, lat)
    at = f"({lon:.5f}, {lat:.5f})"
    if fields.declared_outside:
        pass
    elif beyond > OUTSIDE_TOLERANCE_KM:
        cells.bad(
            cells.columns["lon"],
            Msg(
                f"the point {at} lies {beyond:.1f} km outside Jining: check the coordinate system and that lon "
                "and lat are not swapped; if the measure really is outside the city, write 市外 in the district column",
                f"该点{at}在济宁市界外 {beyond:.1f} 公里:请检查坐标系和经纬度是否填反;如措施确在市外,请在县区列填写“市外”",
            ),
        )
    elif c is None:
        cells.result.warnings.append(
            Msg(f"the point {at} is {beyond:.1f} km outside Jining's border", f"该点{at}在济宁市界外 {beyond:.1f} 公里")
        )
    county = c[0] if c else None
    if fields.district and county and county != fields.district:
        cells.result.warnings.append(
            Msg(
                f"the point lies in {names[county]}, not in {names[fields.district]}",
                f"该点位于{names[county]},不在{names[fields.district]}",
            )
        )
    if fields.declared_outside:  # listed as 市外, like the register's measures outside the city
        return Location(
            None, "outside", None, f"outside Jining: imported coordinates ({crs}: {x}, {y})", "outside", county
        )
    return Location(
        shapely.Point(lon, lat),
        "site",
        50.0,
        f"imported coordinates ({crs}: {x}, {y})",
        "point",
        county,
        f"{lon:.5f}, {lat:.5f}",
    )


def locate_by_place(cells: RowCells, fields: RowFields, names: dict[str, str], geocoder) -> Location:
    """Geocode the row's place (prefixed with its district's name when that is not in it),
    or its district alone (a county-wide measure). A place the gazetteer finds in another
    county than the row names, or in several, is an error: never a guess."""
    place, district = cells.get("place"), fields.district
    text = place or names[district]
    g = geocoder.geocode(text if not district or names[district] in text else f"{names[district]}{text}")
    if g.status == "ok":
        cells.result.status = "geocoded"
        source = f"geocoded {text!r} to gazetteer: {g.matched} — {g.source}"
        loc = Location(
            shapely.Point(g.lon, g.lat), g.precision, g.precision_m, source, county=g.county_adcode, matched=g.matched
        )
        if g.precision in ("county", "city") and not place and district:
            loc.form, loc.geometry = "county", None  # only a district: a county-wide measure
        return loc
    if g.status == "outside":
        return Location(precision="outside", source=f"outside Jining: {g.matched}", form="outside")
    if g.status in ("mismatch", "ambiguous"):
        # Never a guess: the planner names the county or corrects the place.
        col = cells.columns.get("place") or cells.columns.get("district") or "place"
        names_given = f"{text!r}" + (f" with district {names[district]}" if district else "")
        given_zh = f"“{text}”" + (f"(县区:{names[district]})" if district else "")
        cells.bad(col, Msg(f"{names_given}: {g.message}", f"{given_zh}:{in_lang(g.message, 'zh')}"))
        return Location(precision="unresolved")
    cells.result.status = "unresolved"
    return Location(precision="unresolved", source=f"no gazetteer match for {text!r}")


def build_record(cells: RowCells, fields: RowFields, loc: Location, actions: pd.DataFrame) -> dict:
    """The record a row would save, with its id (:func:`identity`)."""
    get, title = cells.get, fields.title
    rec = {
        "id": get("id"),
        "action": fields.action,
        "title_zh": title,
        "title_en": get("title_en") or title,
        "summary_zh": get("summary_zh") or title,
        "kind": fields.kind,
        "form": loc.form,
        "place": get("place"),
        "target": fields.target,
        "target_unit": fields.unit or "",
        "year": fields.year,
        "section": actions.loc[fields.action, "section"],
        "precision": loc.precision,
        "precision_m": loc.precision_m,
        "approximate": loc.precision not in ("site", "manual"),
        "county_adcodes": loc.county or fields.district or "",
        "county_sizes": "",
        "geometry_source": loc.source,
        "geometry": shapely.geometry.mapping(loc.geometry) if loc.geometry is not None else None,
        "origin": "import",
    }
    rec["id"] = identity(rec)
    return rec


def check_built_record(cells: RowCells, rec: dict) -> dict | None:
    """The record as it will be stored, checked by the rules the store enforces on write
    (``layers.edits.validate``: finite numbers in range, coordinates near Jining, bounded text and
    geometry, a normalised id); None, with the problems under the file's columns, if it fails."""
    rec, problems = check_record(rec)
    columns = cells.columns
    for p in problems:
        cells.bad(columns.get(p.field) or columns.get({"geometry": "lon"}.get(p.field, p.field)) or p.field, p.message)
    if cells.result.problems:
        return None
    return json.loads(json.dumps(rec, ensure_ascii=False))  # the form it has once stored


def match_stored(cells: RowCells, rec: dict, precision: str, seen: dict[str, int], existing: dict[str, dict]) -> None:
    """Give the row its record and identity status: an error when an earlier row is the
    same measure (``seen``: id -> row), ``unchanged`` when the store holds it as it is, a
    ``conflict`` when the store holds another version (never a silent overwrite)."""
    res = cells.result
    res.id, res.precision = rec["id"], precision
    if rec["id"] in seen:
        res.status = "error"
        first = seen[rec["id"]]
        res.problems.append(
            Problem(
                res.row,
                cells.columns.get("id", cells.columns["title_zh"]),
                Msg(
                    f"same measure as row {first} (same id, or same action and title); remove one of them",
                    f"与第 {first} 行是同一措施(编号相同,或行动和名称相同);请删去其中一行",
                ),
            )
        )
        return
    seen[rec["id"]] = res.row
    old = existing.get(rec["id"])
    res.version = int(old.get("_version", 0)) if old else 0
    if old and {k: v for k, v in old.items() if not k.startswith("_")} == rec:
        res.status = "unchanged"
    elif old:
        # Never a silent overwrite: a stored correction or earlier import would be replaced.
        res.status = "conflict"
        res.warnings.append(
            Msg(
                f"stored version {old.get('_version', '?')} ({old.get('origin', 'import')}) saved by "
                f"{old.get('_updated_by', '?')} at {old.get('_updated_at', '?')} differs",
                f"已保存的第 {old.get('_version', '?')} 版(由 {old.get('_updated_by', '?')} 于 "
                f"{old.get('_updated_at', '?')} 保存)与此行不同",
            )
        )
    res.record = rec


def review_row(row: int, raw: dict, ctx: ReviewContext) -> RowResult:
    """Review one row of the file (``row`` as Excel numbers it): read, locate, build, match."""
    cells = read_cells(row, raw, ctx.columns)
    fields = read_fields(cells)
    loc = locate(cells, fields, ctx)
    rec = None if cells.result.problems else check_built_record(cells, build_record(cells, fields, loc, ctx.actions))
    if rec is None:
        cells.result.status = "error"
        return cells.result
    match_stored(cells, rec, loc.precision, ctx.seen, ctx.existing)
    located(cells.result, loc)
    return cells.result


def located(res: RowResult, loc: Location) -> None:
    """Where the review put the row, for the planner to check before saving: what it was
    located by, the point, its approximate town (:func:`layers.geo.gazetteer.town_at`) and
    how far off it may be."""
    res.matched = loc.matched
    res.precision_m = loc.precision_m
    if isinstance(loc.geometry, shapely.Point):
        res.lonlat = (loc.geometry.x, loc.geometry.y)
        res.town = town_at(loc.geometry.x, loc.geometry.y)
    if loc.county:
        res.county = loc.county


def review_import(
    df: pd.DataFrame,
    crs: str = "wgs84",
    overrides: dict[str, str] | None = None,
    existing: dict[str, dict] | None = None,
    notes: list[str] | None = None,
) -> ImportReport:
    """Check and locate every row. ``existing`` are the stored records (for ``unchanged``)."""
    crs = canonical_system(crs)
    mapping, unknown = map_headers(df.columns, overrides)
    columns = {v: k for k, v in mapping.items()}
    # By normalised id: a row stored as imp-leg1 (before ids were normalised) is IMP-LEG1's.
    stored = by_normalised_id(existing or {})
    ctx = ReviewContext(crs, columns, load_actions(), county_names(), default_geocoder(), stored)
    missing = missing_columns(columns)
    if missing is not None:
        return ImportReport([missing], mapping, unknown, notes or [], crs)
    results = [
        review_row(i + 2, raw, ctx)
        for i, raw in enumerate(df.to_dict("records"))
        if any(str(v).strip() for v in raw.values())
    ]
    return ImportReport(results, mapping, unknown, notes or [], crs)
