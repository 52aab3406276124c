"""Hostile uploads (issue 18, items 1, 6 and 8): a file is parsed as what its name says, by
our code; bounds run before any library opens a file, in the app as on the command line.

Each hostile test here failed on the code before the fix; the "still reads" tests pass on both.
"""

import codecs
import hashlib
import io
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest
import shapely
from records import xlsx_with

from layers.edits.geofile import read_geometry_file
from layers.edits.importer import ImportFileError, read_table

ROOT = Path(__file__).resolve().parents[1]
KML_NS = 'xmlns="http://www.opengis.net/kml/2.2"'


def _kml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><kml {KML_NS}><Document>{body}</Document></kml>'.encode()


def _placemark(geometry: str) -> str:
    return f"<Placemark><name>新线</name>{geometry}</Placemark>"


def _coords(points) -> str:
    return " ".join(f"{x},{y},0" for x, y in points)


class _Listener:
    """A local TCP port that records every connection made to it (and closes it at once)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> int:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
        return self.connections


@pytest.fixture
def listener():
    lst = _Listener()
    yield lst
    lst.close()


# Item 1: uploads are parsed as what they claim -----------------------------------------


def test_a_gdal_vrt_named_json_is_refused_and_reads_no_server_file(tmp_path):
    """A VRT document named .json once made GDAL read a server file and return its content as
    coordinates inside Jining (so validation passed and a CSV export gave it back)."""
    secret = tmp_path / "secret.csv"
    secret.write_text("lon,lat,note\n116.61234,35.41234,TOPSECRET-7f3a\n", encoding="utf-8")
    vrt = (
        f'<OGRVRTDataSource><OGRVRTLayer name="secret"><SrcDataSource>{secret}</SrcDataSource>'
        '<GeometryType>wkbPoint</GeometryType><GeometryField encoding="PointFromColumns" x="lon" y="lat"/>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()
    for name in ("upload.json", "upload.geojson"):
        with pytest.raises(ValueError) as info:
            read_geometry_file(vrt, name)
        text = str(info.value)
        assert "TOPSECRET" not in text and "116.61234" not in text and str(tmp_path) not in text


def test_geojson_with_unknown_type_or_another_crs_is_refused():
    for doc in (
        b'{"type": "Topology", "objects": {}}',
        b'{"type": "Point", "coordinates": [116.6, 35.4], "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}',
        b'{"type": "Point", "coordinates": [116.6, 35.4], "crs": {"type": "link", "properties": {"href": "/etc/passwd"}}}',
        b'{"type": "Point", "coordinates": [NaN, 35.4]}',
        b"[" * 50_000,
    ):
        with pytest.raises(ValueError, match="cannot read"):
            read_geometry_file(doc, "a.geojson")


def test_a_kml_never_makes_the_server_connect_anywhere(listener):
    """A .kml variant (GDAL chose the VRT driver from the content) made the server send HTTP requests."""
    url = f"http://127.0.0.1:{listener.port}/x.kml"
    refused = {
        "vrt": f"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/vsicurl/{url}</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>".encode(),
        "network link": _kml(f"<NetworkLink><Link><href>{url}</href></Link></NetworkLink>"),
        "external entity": (
            f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "{url}">]><kml {KML_NS}>'
            "<Placemark><name>&x;</name><Point><coordinates>116.6,35.4</coordinates></Point></Placemark></kml>"
        ).encode(),
        "external dtd": (
            f'<?xml version="1.0"?><!-- <a --><!DOCTYPE kml SYSTEM "{url}"><kml {KML_NS}>'
            "<Placemark><Point><coordinates>116.6,35.4</coordinates></Point></Placemark></kml>"
        ).encode(),
    }
    outcomes = {}
    for case, data in refused.items():
        try:
            outcomes[case] = f"read {read_geometry_file(data, 'a.kml')}"
        except ValueError as exc:
            outcomes[case] = str(exc)
        except Exception as exc:  # the code before the fix raised GDAL's and pandas' own types
            outcomes[case] = type(exc).__name__
    # A link that is only a style's icon is ignored, never followed; the line is read.
    line = [(116.5, 35.4), (116.6, 35.45)]
    styled = _kml(
        f'<Style id="s"><IconStyle><Icon><href>{url}</href></Icon></IconStyle></Style>'
        + _placemark(f"<styleUrl>{url}#s</styleUrl><LineString><coordinates>{_coords(line)}</coordinates></LineString>")
    )
    assert read_geometry_file(styled, "a.kml").equals(shapely.LineString(line))
    assert listener.close() == 0, f"the server connected to a URL named in an upload: {outcomes}"
    assert all(text.startswith("cannot read") for text in outcomes.values()), outcomes


def test_points_and_lines_in_one_file_are_refused_with_a_plain_message():
    doc = (
        b'{"type": "FeatureCollection", "features": ['
        b'{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [116.6, 35.4]}},'
        b'{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", '
        b'"coordinates": [[116.5, 35.4], [116.6, 35.45]]}}]}'
    )
    with pytest.raises(ValueError, match="points and lines together; upload one line or one area"):
        read_geometry_file(doc, "mixed.geojson")
    kml = _kml(
        _placemark("<Point><coordinates>116.6,35.4</coordinates></Point>")
        + _placemark("<LineString><coordinates>116.5,35.4 116.6,35.45</coordinates></LineString>")
    )
    with pytest.raises(ValueError, match="points and lines together"):
        read_geometry_file(kml, "mixed.kml")


def test_kml_errors_never_show_a_server_path():
    for data in (b"<kml><Placemark><LineString><coordinates>1,2", b"\x00\x01 not xml", _kml("<Placemark/>")):
        with pytest.raises(ValueError) as info:
            read_geometry_file(data, "broken.kml")
        text = str(info.value)
        assert tempfile.gettempdir() not in text and "upload.kml" not in text and "/" not in text, text


def test_valid_geojson_still_reads():
    line = [[116.5, 35.4], [116.6, 35.45], [116.7, 35.5]]
    feature = f'{{"type": "Feature", "properties": {{"name": "线"}}, "geometry": {{"type": "LineString", "coordinates": {line}}}}}'
    assert read_geometry_file(feature.encode(), "l.json").equals(shapely.LineString(line))
    collection = f'{{"type": "FeatureCollection", "features": [{feature}]}}'.encode()
    assert read_geometry_file(codecs.BOM_UTF8 + collection, "l.geojson").equals(shapely.LineString(line))
    outer = [[116.5, 35.4], [116.7, 35.4], [116.7, 35.6], [116.5, 35.6], [116.5, 35.4]]
    hole = [[116.55, 35.45], [116.6, 35.45], [116.6, 35.5], [116.55, 35.45]]
    crs = '{"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}'
    polygon = f'{{"type": "Polygon", "crs": {crs}, "coordinates": [{outer}, {hole}]}}'
    geom = read_geometry_file(polygon.encode(), "a.geojson")
    assert geom.geom_type == "Polygon" and len(geom.interiors) == 1
    assert geom.equals(shapely.Polygon(outer, [hole]))


def test_valid_kml_still_reads():
    line = [(116.5, 35.4), (116.6, 35.45), (116.7, 35.5)]
    data = _kml(
        f"<Folder>{_placemark(f'<LineString><coordinates>{_coords(line)}</coordinates></LineString>')}</Folder>"
    )
    assert read_geometry_file(data, "l.kml").equals(shapely.LineString(line))
    outer = [(116.5, 35.4), (116.7, 35.4), (116.7, 35.6), (116.5, 35.6), (116.5, 35.4)]
    hole = [(116.55, 35.45), (116.6, 35.45), (116.6, 35.5), (116.55, 35.45)]
    ring = "<LinearRing><coordinates>{}</coordinates></LinearRing>"
    polygon = _placemark(
        f"<Polygon><outerBoundaryIs>{ring.format(_coords(outer))}</outerBoundaryIs>"
        f"<innerBoundaryIs>{ring.format(_coords(hole))}</innerBoundaryIs></Polygon>"
    )
    geom = read_geometry_file(_kml(polygon), "a.kml")
    assert geom.geom_type == "Polygon" and geom.equals(shapely.Polygon(outer, [hole]))
    parts = [[(116.5, 35.4), (116.55, 35.42)], [(116.7, 35.5), (116.75, 35.52)]]
    multi = "".join(f"<LineString><coordinates>{_coords(p)}</coordinates></LineString>" for p in parts)
    geom = read_geometry_file(_kml(_placemark(f"<MultiGeometry>{multi}</MultiGeometry>")), "m.kml")
    assert geom.equals(shapely.MultiLineString(parts))


# Item 6: bounds before parsing, in the app as on the command line ---------------------


def _shared_strings_bomb() -> bytes:
    """Shared strings that inflate to about 60 MB from well under 1 MB (openpyxl reads them
    all when it opens a workbook, even read-only)."""
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return head + b"<si><t>" + b"x" * (60 * 2**20) + b"</t></si></sst>"


def _tab_sheets(data: bytes, name: str):
    """What the import tab runs first on an uploaded XLSX: its (cached) list of sheets."""
    from ui.edit import _sheets

    return _sheets(hashlib.sha256(data).hexdigest(), name, data)


def test_an_xlsx_bomb_is_refused_by_the_app_before_openpyxl_opens_it(monkeypatch):
    import openpyxl

    data = xlsx_with({"xl/sharedStrings.xml": _shared_strings_bomb()})
    assert len(data) < 1_000_000
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(1) or pytest.fail("opened"))
    with pytest.raises(ImportFileError, match="inflate"):
        _tab_sheets(data, "bomb.xlsx")
    assert not opened, "openpyxl opened the workbook before the bounds were checked"


# Item 8: smaller faults ---------------------------------------------------------------


def test_a_truncated_workbook_xml_is_a_sentence_not_a_traceback():
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    whole = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/workbook.xml")
    data = xlsx_with({"xl/workbook.xml": whole[:100]})
    with pytest.raises(ImportFileError, match="not a readable .xlsx workbook"):
        read_table(data, "cut.xlsx")
    with pytest.raises(ImportFileError, match="not a readable .xlsx workbook"):
        _tab_sheets(data, "cut.xlsx")


def test_a_gbk_csv_that_starts_with_a_utf8_bom_is_read():
    data = codecs.BOM_UTF8 + "项目名称,所属行动,县区\n济宁新机场,3,嘉祥县\n".encode("gbk")
    df, notes = read_table(data, "list.csv")
    assert list(df.columns) == ["项目名称", "所属行动", "县区"] and df.iloc[0, 0] == "济宁新机场"
    assert any("GBK" in n for n in notes)


def test_the_cli_refuses_a_map_to_an_unknown_field(tmp_path):
    csv = tmp_path / "l.csv"
    csv.write_text("项目名称,所属行动,X\n甲,3,1\n", encoding="utf-8")
    run = [sys.executable, "-m", "layers", "import", str(csv), "--dry-run", "--store", str(tmp_path / "s.sqlite")]
    res = subprocess.run([*run, "--map", "X=__class__"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2 and "title_zh" in res.stderr and "Traceback" not in res.stderr
    ok = subprocess.run([*run, "--map", "X=", "--map", "项目名称=title_zh"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_size_messages_use_the_readme_units():
    data = xlsx_with({"xl/media/filler.bin": b"\0" * (51 * 2**20)})
    with pytest.raises(ImportFileError) as info:
        read_table(data, "big.xlsx")
    assert "the limit is 50 MB" in str(info.value), str(info.value)
    with pytest.raises(ImportFileError, match="the limit is 5 MB"):
        read_table(b"a" * (5 * 2**20 + 1), "big.csv")
