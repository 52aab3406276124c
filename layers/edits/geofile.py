"""Uploaded lines and areas (GeoJSON, KML), read as what their name says, by our own code.

An upload is parsed in the format its name claims and in no other: GeoJSON with
:mod:`json` and shapely, KML with lxml set up like openpyxl's reader of the import path
(entities never resolved), with no network and no DTD, and any document type declaration
refused. Only coordinates written in the file itself are read: no link, ``href``,
``NetworkLink`` or external entity is ever followed, and GDAL never sees the bytes (a
GDAL VRT document named ``.json`` once made the server read its own files through it).

Every refusal is a :class:`ValueError` whose message is a :class:`~layers._errors.Msg`
naming the upload by its base name only: never a server path, never an exception's repr.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from itertools import accumulate
from pathlib import Path

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape

from layers._errors import Msg
from layers.edits.validate import MAX_VERTICES

#: Bounds on one upload (a line or an area is far smaller).
MAX_BYTES = 5 * 2**20
MAX_DEPTH = 32  # brackets in a GeoJSON document; a MultiPolygon in a FeatureCollection needs 8
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".kml": "kml"}
#: How many lists surround one [lon, lat] position, per GeoJSON geometry type.
NESTING = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
#: ``crs`` names (lower case) that mean WGS-84 or CGCS2000 in lon/lat order; anything else is refused.
CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
        "ogc:crs84",
        "crs84",
        "wgs84",
        "epsg:4326",
        "urn:ogc:def:crs:epsg::4326",
        "epsg:4490",
        "urn:ogc:def:crs:epsg::4490",
        "http://www.opengis.net/def/crs/ogc/1.3/crs84",
        "http://www.opengis.net/def/crs/epsg/0/4326",
        "http://www.opengis.net/def/crs/epsg/0/4490",
    }
)
#: A geometry's kind, and the words for it in a message.
KINDS = {"Point": "point", "LineString": "line", "LinearRing": "line", "Polygon": "area"}
KIND_WORDS = {"point": ("points", "点"), "line": ("lines", "线"), "area": ("areas", "面")}

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.I)


def _refuse(name: str, en: str, zh: str):
    raise ValueError(Msg(f"cannot read {name}: {en}", f"无法读取 {name}:{zh}"))


def _check_vertices(count: int, name: str) -> None:
    """Refuse a geometry with more vertices than validation accepts, before shapely builds it."""
    if count > MAX_VERTICES:
        _refuse(
            name,
            f"it has {count:,} vertices; the limit is {MAX_VERTICES:,}: simplify the line or area first",
            f"含有 {count:,} 个顶点,上限 {MAX_VERTICES:,}:请先简化线或面",
        )


def read_geometry_file(data: bytes, filename: str):
    """The union of the geometries in an uploaded GeoJSON or KML file, in WGS-84.

    The file is parsed as what its extension says (``.geojson``/``.json``: GeoJSON,
    ``.kml``: KML) and must hold one kind of geometry (points, lines or areas). Raises
    :class:`ValueError` with a plain message when it is not supported, too large, not
    what its name says, or has no usable geometry.
    """
    name = Path(str(filename)).name[:80] or "the file"
    suffix = Path(name).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        raise ValueError(
            Msg(
                f"'{suffix or name}' is not supported; upload GeoJSON (.geojson, .json) or KML (.kml)",
                f"不支持“{suffix or name}”;请上传 GeoJSON(.geojson、.json)或 KML(.kml)",
            )
        )
    if len(data) > MAX_BYTES:
        _refuse(
            name,
            f"the file is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES / 2**20:.0f} MB — simplify the line or area",
            f"文件有 {len(data) / 2**20:.1f} MB,上限 {MAX_BYTES / 2**20:.0f} MB:请先简化线或面",
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data.strip():
        _refuse(name, "the file is empty", "文件为空")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        _refuse(name, "it is not UTF-8 text; save it again as UTF-8", "不是 UTF-8 文本;请另存为 UTF-8")
    geoms = _geojson_geometries(text, name) if fmt == "geojson" else _kml_geometries(data, name)
    return _one_kind(geoms, name)


def _one_kind(geoms: list, name: str):
    """The union of ``geoms``, refused when they mix points, lines and areas (a measure is one of them)."""
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        raise ValueError(Msg(f"{name} has no geometry", f"{name} 中没有几何图形"))
    kinds = sorted({KINDS[g.geom_type.removeprefix("Multi")] for g in geoms}, key=list(KIND_WORDS).index)
    if len(kinds) > 1:
        en = " and ".join(KIND_WORDS[k][0] for k in kinds)
        zh = "和".join(KIND_WORDS[k][1] for k in kinds)
        raise ValueError(
            Msg(
                f"the file holds {en} together; upload one line or one area (or points of one measure only)",
                f"文件中同时有{zh};请只上传一条线或一个面(或同一措施的点)",
            )
        )
    _check_vertices(int(shapely.get_num_coordinates(geoms).sum()), name)
    if len(geoms) == 1:
        return geoms[0]
    try:
        return shapely.union_all(geoms)
    except GEOSException:  # an invalid area among several: repair, then join
        try:
            return shapely.union_all([shapely.make_valid(g) for g in geoms])
        except GEOSException:
            _refuse(name, "its shapes are invalid and cannot be joined", "其中的图形无效,无法合并")


# GeoJSON ------------------------------------------------------------------------------


def _no_constant(token: str):
    raise ValueError(f"{token} is not a number")


def _json_depth(text: str) -> int:
    """How deeply brackets nest in ``text`` (valid JSON: every string is closed), strings left out."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _geojson_geometries(text: str, name: str) -> list:
    if text.lstrip().startswith("<"):
        _refuse(
            name,
            "this is XML, not GeoJSON; upload the GeoJSON file itself (or KML named .kml)",
            "这是 XML,不是 GeoJSON;请上传 GeoJSON 文件本身(KML 文件请用 .kml 扩展名)",
        )
    too_deep = (
        f"its brackets nest more than {MAX_DEPTH} deep; this is not a GeoJSON line or area",
        f"括号嵌套超过 {MAX_DEPTH} 层;这不是 GeoJSON 线或面",
    )
    try:
        obj = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        _refuse(name, f"not valid JSON (line {exc.lineno}, column {exc.colno})", f"不是有效的 JSON(第 {exc.lineno} 行)")
    except RecursionError:
        _refuse(name, *too_deep)
    except ValueError:  # NaN or Infinity
        _refuse(name, "it holds NaN or Infinity, which are not numbers", "含有 NaN 或 Infinity,它们不是数字")
    if _json_depth(text) > MAX_DEPTH:
        _refuse(name, *too_deep)
    if not isinstance(obj, dict):
        _refuse(name, "not a GeoJSON object", "不是 GeoJSON 对象")
    return _geojson_object(obj, name)


def _geojson_object(obj: dict, name: str) -> list:
    """The geometries of a GeoJSON Feature, FeatureCollection or geometry."""
    _check_crs(obj, name)
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            _refuse(name, "its FeatureCollection has no list of features", "其 FeatureCollection 没有 features 列表")
        out = []
        for f in features:
            if not isinstance(f, dict) or f.get("type") != "Feature":
                _refuse(name, "a member of its features is not a Feature", "features 中有不是 Feature 的成员")
            out += _geojson_object(f, name)
        return out
    if kind == "Feature":
        geometry = obj.get("geometry")
        if geometry is None:
            return []
        if not isinstance(geometry, dict):
            _refuse(
                name, "a Feature's geometry is not a GeoJSON geometry", "某个 Feature 的 geometry 不是 GeoJSON 几何图形"
            )
        return _geojson_geometry(geometry, name)
    return _geojson_geometry(obj, name)


def _geojson_geometry(obj: dict, name: str) -> list:
    _check_crs(obj, name)
    kind = obj.get("type")
    if kind == "GeometryCollection":
        members = obj.get("geometries")
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            _refuse(
                name, "its GeometryCollection has no list of geometries", "其 GeometryCollection 没有 geometries 列表"
            )
        return [g for m in members for g in _geojson_geometry(m, name)]
    if kind not in NESTING:
        shown = str(kind)[:40]
        _refuse(
            name,
            f"type {shown!r} is not a GeoJSON geometry, Feature or FeatureCollection",
            f"类型“{shown}”不是 GeoJSON 的几何图形、Feature 或 FeatureCollection",
        )
    coordinates = _positions(obj.get("coordinates"), NESTING[kind])
    malformed = (
        f"the coordinates of a {kind} are malformed (positions are [lon, lat] numbers; a line needs 2, "
        "a ring 4 with the last equal to the first)",
        f"{kind} 的坐标格式不对(每个位置是 [经度, 纬度] 数字;线至少 2 个,环至少 4 个且首尾相同)",
    )
    if coordinates is None:
        _refuse(name, *malformed)
    _check_vertices(_count(coordinates, NESTING[kind]), name)
    try:
        geom = shape({"type": kind, "coordinates": coordinates})
    except (ValueError, TypeError, IndexError, GEOSException):
        _refuse(name, *malformed)
    return [] if geom.is_empty else [geom]


def _positions(value, level: int):
    """``value`` as nested lists of [lon, lat] floats with ``level`` lists around each
    position, or None when it is not that (strings, booleans, NaN, a wrong depth)."""
    if not isinstance(value, list):
        return None
    if level == 0:
        if not 2 <= len(value) <= 4 or not all(_is_number(v) for v in value):
            return None
        return [float(value[0]), float(value[1])]
    out = []
    for v in value:
        p = _positions(v, level - 1)
        if p is None:
            return None
        out.append(p)
    return out


def _count(coordinates: list, level: int) -> int:
    """How many positions nested lists (``level`` lists around each position) hold."""
    return 1 if level == 0 else sum(_count(c, level - 1) for c in coordinates)


def _is_number(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _check_crs(obj: dict, name: str) -> None:
    """Refuse a ``crs`` member naming anything but WGS-84 / CGCS2000 lon/lat (a ``link`` is never followed)."""
    crs = obj.get("crs")
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    label = props.get("name") if isinstance(props, dict) else None
    if isinstance(crs, dict) and crs.get("type") == "name" and isinstance(label, str):
        if label.strip().lower() in CRS_NAMES:
            return
        shown = label[:60]
    else:
        shown = "a linked or unknown definition"
    _refuse(
        name,
        f"its coordinate system ({shown!r}) is not WGS-84 (CRS84, EPSG:4326) or CGCS2000 (EPSG:4490); "
        "save it in WGS-84",
        f"其坐标系({shown})不是 WGS-84(CRS84、EPSG:4326)或 CGCS2000(EPSG:4490);请另存为 WGS-84",
    )


# KML ----------------------------------------------------------------------------------


def _xml_root(data: bytes, name: str):
    """The root element of an XML upload, parsed as UTF-8 whatever it declares, with no DTD,
    entity, network access or XInclude; a document type or entity declaration is refused."""
    from lxml import etree

    refused = (
        "it declares a document type or entities, which KML does not use; export it again",
        "声明了文档类型或实体,KML 不需要这些;请重新导出",
    )
    start = _ROOT_START.search(data)  # before the root element: where a DOCTYPE would be
    if _DECLARATION.search(data[: start.start() if start else len(data)]):
        _refuse(name, *refused)
    # Entities never resolved, as openpyxl's reader of the import path; no network, no DTD.
    parser = etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or "?"
        _refuse(name, f"not well-formed XML (line {line})", f"不是格式正确的 XML(第 {line} 行)")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        _refuse(name, *refused)
    return root


def _local(el) -> str:
    """An element's name without namespace or prefix ("" for comments and entities)."""
    return el.tag.rpartition("}")[2].rpartition(":")[2] if isinstance(el.tag, str) else ""


def _kml_geometries(data: bytes, name: str) -> list:
    root = _xml_root(data, name)
    if _local(root) != "kml":
        shown = _local(root)[:40]
        _refuse(name, f"this is not KML (its root element is <{shown}>)", f"这不是 KML(根元素是 <{shown}>)")
    out = []
    for el in root.iter():
        tag = _local(el)
        if tag == "NetworkLink":
            _refuse(
                name,
                "it links to another file (NetworkLink) instead of holding the line or area; "
                "save the line or area itself as KML",
                "它链接到其他文件(NetworkLink),而没有包含线或面本身;请把线或面本身保存为 KML",
            )
        if tag == "Placemark":
            out += [g for child in el for g in _kml_geometry(child, name)]
    return out


def _kml_geometry(el, name: str) -> list:
    """The geometries of one KML geometry element (MultiGeometry: its members); others: none."""
    tag = _local(el)
    if tag == "MultiGeometry":
        return [g for child in el for g in _kml_geometry(child, name)]
    if tag not in KINDS:
        return []
    malformed = (
        f"the coordinates of a {tag} are malformed (lon,lat[,alt] separated by spaces; a line needs 2, a ring 4)",
        f"{tag} 的坐标格式不对(经度,纬度[,高度],以空格分隔;线至少 2 个,环至少 4 个)",
    )
    if tag == "Polygon":
        outer = [r for b in _children(el, "outerBoundaryIs") for r in _kml_rings(b, name)]
        inner = [r for b in _children(el, "innerBoundaryIs") for r in _kml_rings(b, name)]
        if len(outer) != 1:
            _refuse(name, *malformed)
    else:
        points = _kml_coordinates(el, name)
        if tag == "Point" and len(points) != 1:
            _refuse(name, *malformed)
    try:
        if tag == "Polygon":
            geom = shapely.Polygon(outer[0], inner)
        else:
            geom = shapely.Point(points[0]) if tag == "Point" else shapely.LineString(points)
    except (ValueError, TypeError, IndexError, GEOSException):
        _refuse(name, *malformed)
    return [] if geom.is_empty else [geom]


def _children(el, tag: str) -> list:
    return [c for c in el if _local(c) == tag]


def _kml_rings(boundary, name: str) -> list:
    """The rings (lists of positions) of an outer or inner boundary."""
    return [_kml_coordinates(ring, name) for ring in _children(boundary, "LinearRing")]


def _kml_coordinates(el, name: str) -> list[tuple[float, float]]:
    """The positions in the ``<coordinates>`` child of ``el`` (lon,lat[,alt] tuples)."""
    found = _children(el, "coordinates")
    text = (found[0].text or "") if found else ""
    points = []
    for item in re.sub(r"\s*,\s*", ",", text.strip()).split():
        parts = item.split(",")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if not 2 <= len(values) <= 3 or not all(math.isfinite(v) for v in values):
            _refuse(
                name,
                f"{item[:40]!r} is not a position (lon,lat or lon,lat,alt)",
                f"“{item[:40]}”不是坐标(经度,纬度 或 经度,纬度,高度)",
            )
        points.append((values[0], values[1]))
    _check_vertices(len(points), name)
    return points
