import json
import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest

from layers import load_projects, load_register
from layers.geo.build import LOCATION_FIELDS, build, projects_from_register, qa_summary
from layers.geo.register import FIELDS


@pytest.fixture(scope="module")
def projects():
    return load_projects()


def test_one_feature_per_register_record(projects):
    reg = load_register()
    assert list(projects["id"]) == list(reg["id"])
    assert projects.crs.to_epsg() == 4326
    assert set(FIELDS) | set(LOCATION_FIELDS) <= set(projects.columns)


def test_geometry_follows_form(projects):
    for rec in projects.itertuples():
        if rec.form in ("city", "county", "outside"):
            assert rec.geometry is None, rec.id
        elif rec.form == "point":
            assert rec.geometry.geom_type == "Point", rec.id
        elif rec.form == "line":
            assert "LineString" in rec.geometry.geom_type, rec.id
        else:
            assert "Polygon" in rec.geometry.geom_type, rec.id


def test_every_located_record_names_its_counties_and_source(projects):
    for rec in projects.itertuples():
        assert rec.precision, rec.id
        assert rec.geometry_source, rec.id
        if rec.form in ("point", "line", "area", "county"):
            assert rec.county_adcodes, rec.id


def test_outside_measures_are_never_drawn(projects):
    out = projects[projects["form"] == "outside"]
    assert len(out) == 2 and out.geometry.isna().all()
    assert set(out["precision"]) == {"outside"}


def test_lines_carry_lengths_per_county(projects):
    hsr = projects[projects["title_zh"] == "高铁建设"].iloc[0]
    sizes = json.loads(hsr["county_sizes"])
    assert set(sizes) == set(hsr["county_adcodes"].split(","))
    assert "370829" in sizes and "370881" in sizes  # Jiaxiang and Qufu


def test_approximate_flag(projects):
    assert projects.loc[projects["form"].isin(["line", "area"]), "approximate"].all()
    sites = projects[projects["precision"] == "site"]
    assert not sites["approximate"].any()


def test_unresolved_point_gets_no_geometry():
    reg = load_register().head(1).copy()
    reg[["form", "place", "kind"]] = ["point", "不存在的地方", "site"]
    out = projects_from_register(reg)
    assert out.iloc[0]["precision"] == "unresolved" and out.geometry.iloc[0] is None
    assert "unresolved (1)" in qa_summary(out)


def test_unknown_shape_is_an_error_with_row_and_field():
    reg = load_register().head(2).copy()
    reg.loc[1, ["form", "place", "kind"]] = ["line", "不存在的运河", "waterway"]
    with pytest.raises(ValueError) as exc:
        projects_from_register(reg)
    assert [(p.row, p.field) for p in exc.value.problems] == [(3, "place")]


def test_point_outside_jining_must_be_form_outside():
    reg = load_register().head(1).copy()
    reg[["form", "place", "kind"]] = ["point", "青岛", "event"]
    with pytest.raises(ValueError, match="outside Jining"):
        projects_from_register(reg)


def test_build_writes_geojson_and_geopackage_that_read_back(tmp_path, projects):
    _, paths = build(tmp_path)
    gj = gpd.read_file(tmp_path / "projects.geojson")
    assert len(gj) == len(projects)
    assert gj.geometry.isna().sum() == projects.geometry.isna().sum()
    assert set(projects.columns) <= set(gj.columns)
    layers = dict(pyogrio.list_layers(tmp_path / "projects.gpkg"))
    assert set(layers) == {f"action_{i:02d}" for i in range(1, 11)} | {"counties"}
    total = sum(len(gpd.read_file(tmp_path / "projects.gpkg", layer=f"action_{i:02d}")) for i in range(1, 11))
    assert total == len(projects)
    assert len(gpd.read_file(tmp_path / "projects.gpkg", layer="counties")) == 11


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "layers", *args], capture_output=True, text=True, timeout=120)


def test_cli_build_prints_qa_and_exits_zero(tmp_path):
    res = run_cli("build", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "per action:" in res.stdout and "outside (2):" in res.stdout
    assert (tmp_path / "projects.geojson").exists()


def test_cli_build_fails_on_bad_register_and_writes_nothing(tmp_path):
    bad = load_register()
    bad.loc[4, "kind"] = "castle"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    out = tmp_path / "out"
    res = run_cli("build", "--out", str(out), "--register", str(path))
    assert res.returncode != 0
    assert "row 6, field 'kind'" in res.stderr
    assert not out.exists()


def test_cli_geocode_prints_one_json_object_per_line():
    res = run_cli("geocode", "邹城市大束镇", "青岛", "火星基地", "嘉祥县大束镇")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["ok", "outside", "unresolved", "mismatch"]
    assert set(rows[0]) == {
        "query",
        "lon",
        "lat",
        "precision",
        "precision_m",
        "county_adcode",
        "county_name",
        "town_code",
        "town_name",
        "matched",
        "status",
        "candidates",
        "message",
    }
    assert rows[0]["county_adcode"] == "370883"
    assert (rows[0]["town_code"], rows[0]["town_name"], rows[0]["precision"]) == ("370883103000", "大束镇", "town")
    assert rows[3]["lon"] is None and "邹城市" in rows[3]["message"]


def test_measures_at_one_place_share_a_site_group():
    from layers import load_projects

    p = load_projects()
    grouped = p[p["site_group"] != ""]
    assert len(grouped) >= 4
    for _, g in grouped.groupby("site_group"):
        assert len(g) >= 2
        assert len({(geom.x, geom.y) for geom in g.geometry}) == 1
    # Distinct places never share a group; a lone point has none.
    firsts = grouped.groupby("site_group").geometry.first()
    assert len({(geom.x, geom.y) for geom in firsts}) == len(firsts)
    lone = p[(p["form"] == "point") & (p["site_group"] == "")]
    keys = [(geom.x, geom.y) for geom in p[p["form"] == "point"].geometry if geom is not None]
    assert all(keys.count((geom.x, geom.y)) == 1 for geom in lone.geometry if geom is not None)


def test_moving_a_measure_takes_it_out_of_its_site_group():
    import shapely

    from layers import load_projects
    from layers.edits.changes import merge_changes, record_from_row, with_location

    p = load_projects()
    grouped = p[p["site_group"] != ""]
    group = grouped["site_group"].value_counts().idxmax()
    members = grouped[grouped["site_group"] == group]
    moved = members.iloc[0]
    rec = with_location(record_from_row(moved), shapely.Point(116.9, 35.3), "test", "paste", 10)
    merged = merge_changes(p, {moved["id"]: rec}).set_index("id")
    assert merged.loc[moved["id"], "site_group"] == ""
    stay = merged.loc[members["id"].iloc[1:], "site_group"]
    if len(stay) >= 2:
        assert stay.nunique() == 1 and (stay != "").all()
    else:
        assert (stay == "").all()  # alone at the place now
