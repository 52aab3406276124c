import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from layers import load_projects
from layers.exports.data_formats import EXCEL_CELL_LIMIT, EXPORT_FIELDS, WRITERS
from layers.geo.coords import distance_m
from layers.selection.filtering import Filters, filter_projects

FIELDS = list(EXPORT_FIELDS)


@pytest.fixture(scope="module")
def selected():
    return load_projects()


@pytest.fixture(scope="module")
def spatial_ids(selected):
    return set(selected.loc[selected.geometry.notna(), "id"])


def write(selected, fmt, tmp_path, crs="wgs84"):
    ext = {"shp": "zip"}.get(fmt, fmt)
    return WRITERS[fmt](selected, tmp_path / f"out.{ext}", crs)


def read_shp_zip(path):
    with zipfile.ZipFile(path) as zf:
        shps = [n for n in zf.namelist() if n.endswith(".shp")]
    return pd.concat([gpd.read_file(f"zip://{path}!{n}") for n in shps], ignore_index=True)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_geo_formats_carry_every_measure_and_field(selected, fmt, tmp_path):
    back = gpd.read_file(write(selected, fmt, tmp_path))
    assert list(back["id"]) == list(selected["id"])
    assert [c for c in back.columns if c != "geometry"] == FIELDS
    assert back.geometry.isna().sum() == selected.geometry.isna().sum()
    assert back.loc[back["id"] == "A04-11", "title_zh"].item() == "金乡鱼山省级示范片区"


def test_kml_fields_and_features(selected, spatial_ids, tmp_path):
    path = write(selected, "kml", tmp_path)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    schema = [f.get("name") for f in ET.parse(path).getroot().iter("{http://www.opengis.net/kml/2.2}SimpleField")]
    assert [f for f in schema if f not in ("Name", "Description")] == FIELDS
    names = [p.findtext("k:name", namespaces=ns) for p in ET.parse(path).getroot().iter(f"{{{ns['k']}}}Placemark")]
    assert "金乡鱼山省级示范片区" in names
    back = gpd.read_file(path)
    assert set(back["id2"] if "id2" in back else back["id"]) == spatial_ids  # GDAL renames our id next to KML's own


def test_shapefile_zip_has_utf8_cpg_and_same_fields(selected, spatial_ids, tmp_path):
    path = write(selected, "shp", tmp_path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        cpgs = [n for n in names if n.endswith(".cpg")]
        assert len(cpgs) == len([n for n in names if n.endswith(".shp")]) == 3
        assert all(zf.read(n).strip() == b"UTF-8" for n in cpgs)
    back = read_shp_zip(path)
    assert set(back["id"]) == spatial_ids
    assert [c for c in back.columns if c != "geometry"] == FIELDS
    assert "金乡鱼山省级示范片区" in set(back["title_zh"])
    assert (back["source"].str.encode("utf-8").str.len() <= 254).all()


def test_csv_has_bom_all_measures_and_wkt(selected, tmp_path):
    path = write(selected, "csv", tmp_path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == list(selected["id"])
    assert list(rows[0]) == [*FIELDS, "lon", "lat", "wkt"]
    city = [r for r in rows if r["form"] == "city"]
    assert city and all(r["wkt"] == "" for r in city)  # non-spatial measures are in the table


def test_xlsx_reads_back_with_openpyxl(selected, tmp_path):
    path = write(selected, "xlsx", tmp_path)
    table = pd.read_excel(path, sheet_name="measures", engine="openpyxl", dtype={"counties": str})
    assert list(table["id"]) == list(selected["id"])
    assert list(table.columns) == [*FIELDS, "lon", "lat", "wkt"]
    assert table["wkt"].fillna("").str.len().max() <= EXCEL_CELL_LIMIT
    fields = pd.read_excel(path, sheet_name="fields", engine="openpyxl")
    assert set(FIELDS) <= set(fields["field"])


def test_cgcs2000_is_declared_and_gcj02_is_shifted(selected, tmp_path):
    sel = filter_projects(selected, Filters(forms=("point",)))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cg = gpd.read_file(write(sel, "gpkg", tmp_path / "a", "cgcs2000"))
    assert cg.crs.to_epsg() == 4490
    assert np.allclose(cg.geometry.x, sel.geometry.x.to_numpy())
    gcj = gpd.read_file(write(sel, "geojson", tmp_path / "b", "gcj02"))
    d = distance_m(sel.geometry.x.to_numpy(), sel.geometry.y.to_numpy(), gcj.geometry.x, gcj.geometry.y)
    assert (d > 400).all() and (d < 600).all()
    assert set(gcj["crs"]) == {"GCJ-02 (AMap/Tencent; not WGS-84)"}


def test_every_format_gives_the_same_attributes_for_a_measure(selected, tmp_path):
    values = {}
    for fmt in WRITERS:
        (tmp_path / fmt).mkdir()
        path = write(selected, fmt, tmp_path / fmt)
        if fmt == "csv":
            df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        elif fmt == "xlsx":
            df = pd.read_excel(path, sheet_name="measures", dtype=str, keep_default_na=False)
        elif fmt == "shp":
            df = read_shp_zip(path)
        else:
            df = pyogrio.read_dataframe(path)
            if "id2" in df:
                df = df.drop(columns="id").rename(columns={"id2": "id"})
        rec = df[df["id"] == "A03-06"].iloc[0]
        values[fmt] = (rec["title_zh"], str(rec["action"]), rec["counties"], rec["precision"])
    assert len(set(values.values())) == 1, values


def test_unknown_crs_is_a_clear_error(selected, tmp_path):
    with pytest.raises(ValueError, match="wgs84, cgcs2000, gcj02"):
        WRITERS["csv"](selected, tmp_path / "x.csv", "mars")


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "shp", "xlsx"])
def test_data_exports_carry_each_measures_light_as_of_the_apps_date(fmt, tmp_path):
    """Issue 21: the exports hold the lights as of the date the app shows."""
    import datetime as dt
    import zipfile

    import geopandas as gpd
    import pandas as pd

    from layers.exports import export
    from layers.progress.view import with_lights

    projects = load_projects()
    sel = projects[(projects["action"] == 3) & (projects["form"] == "point")]  # one layer in every format
    first = sel["id"].iloc[0]
    lights = pd.DataFrame(
        {
            "light": ["red"],
            "lag": [35.5],
            "schedule": [40.0],
            "progress": [4.5],
            "report_date": ["2020-06-30"],
            "overdue": [["开工"]],
        },
        index=[first],
    )
    lit = with_lights(sel, lights, dt.date(2020, 7, 1))
    out = export(lit, fmt, tmp_path / f"x.{fmt}")
    if fmt == "csv":
        table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    elif fmt == "xlsx":
        table = pd.read_excel(out, dtype=str)
    elif fmt == "shp":
        with zipfile.ZipFile(out) as z:
            z.extractall(tmp_path / "shp")
        table = gpd.read_file(next((tmp_path / "shp").rglob("*.shp")))
    else:
        table = gpd.read_file(out)
    row = table.set_index("id").loc[first]
    assert row["light"] == "red" and float(row["progress"]) == 4.5 and float(row["lag"]) == 35.5
    # GeoJSON readers take a date-like text for a date: compared as text.
    assert (
        str(row["rep_date"])[:10] == "2020-06-30" and row["overdue"] == "开工" and str(row["asof"])[:10] == "2020-07-01"
    )
    assert set(table["light"]) == {"red", "no_plan"}


def test_download_names_say_what_they_are_and_as_of_when():
    import datetime as dt

    from layers.exports import FORMATS, file_name

    day = dt.date(2020, 9, 30)
    assert file_name("pack-pdf", "zh", day) == "济宁十大行动_汇报材料_2020-09-30.pdf"
    assert file_name("png", "zh", day) == "济宁十大行动_地图_2020-09-30.png"
    assert file_name("shp", "en", day) == "jining_ten_actions_data_2020-09-30.zip"
    assert file_name("pptx", "en", day) == "jining_ten_actions_briefing_2020-09-30.pptx"
    assert all(file_name(f, "en", day).isascii() for f in FORMATS)  # the English view's names are ASCII
    assert len({file_name(f, "zh", day) for f in FORMATS}) == len(FORMATS)  # a map PDF and a pack PDF differ too


def test_the_command_lines_data_export_carries_the_lights_as_of_its_date(tmp_path):
    import subprocess
    import sys

    import pandas as pd

    from layers.edits.store import Store

    store = tmp_path / "s.sqlite"
    plan = {"measure_id": "A10-05", "unit": "市科技局", "start": "2020-03-01", "end": "2021-02-28", "milestones": []}
    report = {"measure_id": "A10-05", "date": "2020-06-30", "status": "under_way", "progress": 1.0}
    with Store(store) as s:
        s.save_progress([("plan", plan), ("report", report)], "王工")
    root = Path(__file__).resolve().parents[1]
    for asof, light in (("2020-07-01", "red"), ("2020-06-01", "stale")):
        out = tmp_path / f"{asof}.csv"
        run = [sys.executable, "-m", "layers", "export", "--format", "csv", "--out", str(out), "--action", "10",
               "--store", str(store), "--asof", asof]  # fmt: skip
        subprocess.run(run, cwd=root, check=True, capture_output=True)
        row = pd.read_csv(out, encoding="utf-8-sig", dtype=str).set_index("id").loc["A10-05"]
        assert (row["light"], row["asof"]) == (light, asof)
    bad = subprocess.run([*run[:-1], "2020-13-01"], cwd=root, capture_output=True, text=True)
    assert bad.returncode == 2 and "is not a date" in bad.stderr
