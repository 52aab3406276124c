import numpy as np
import pandas as pd
import pytest

from layers import GazetteerError, Geocoder, geocode, load_counties, normalise
from layers.geo.coords import GK_CRS, distance_m, to_wgs84
from layers.geo.gazetteer import read_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return read_gazetteer()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("济宁市邹城市", "邹城"),
        ("邹城市", "邹城"),
        ("邹城", "邹城"),
        ("山东省济宁市曲阜市尼山镇", "曲阜市尼山"),
        ("　曲阜市　", "曲阜"),  # full-width spaces
        ("ＱＵＦＵ", "qufu"),  # full-width letters
        ("金乡县鱼山街道", "金乡县鱼山"),
        ("济宁市", "济宁"),
        ("梁山县赵堌堆乡", "梁山县赵堌堆"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_exact_name():
    r = geocode("曲阜市")
    assert (r.status, r.matched, r.precision, r.county_adcode, r.county_name) == (
        "ok",
        "曲阜市",
        "county",
        "370881",
        "曲阜市",
    )


@pytest.mark.parametrize(
    "alias, name",
    [("邹城", "邹城市"), ("曲阜", "曲阜市"), ("Qufu", "曲阜市"), ("经开区", "济宁经济技术开发区"), ("新机场", None)],
)
def test_aliases(alias, name):
    assert geocode(alias).matched == name


def test_longest_contained_name_wins():
    r = geocode("济宁市曲阜市尼山世界文明论坛会议中心")
    assert r.matched == "尼山世界文明论坛"


def test_equal_length_ties_go_to_the_finer_place():
    # 曲阜 (county) and 尼山 (town) are both two characters long.
    assert geocode("曲阜尼山脚下").matched == "尼山镇"


def test_fallback_site_reports_its_coarser_precision():
    r = geocode("孔子研究院")
    assert r.precision == "county" and r.county_name == "曲阜市"
    assert "falls back" in r.source


def test_a_site_falls_back_to_its_town_with_the_towns_precision(gaz):
    r = geocode("颜店新城会展中心")
    town = geocode("颜店镇")
    assert (r.precision, r.lon, r.lat, r.precision_m) == ("town", town.lon, town.lat, town.precision_m)
    assert town.town_code == "370812103000"


def test_outside_is_reported_not_placed_in_jining():
    r = geocode("青岛")
    assert r.status == "outside" and r.county_adcode is None and r.precision == "outside"


def test_unknown_text_is_unresolved_without_coordinates():
    r = geocode("火星基地")
    assert r.status == "unresolved"
    assert (r.lon, r.lat, r.precision, r.matched) == (None, None, None, None)


def test_city_has_no_single_county():
    r = geocode("济宁市")
    assert r.status == "ok" and r.precision == "city" and r.county_adcode is None


def test_every_point_lies_in_the_county_it_claims(gaz):
    for rec in gaz.itertuples():
        if rec.county_adcode:
            r = Geocoder(gaz).geocode(rec.name_zh)
            assert r.county_adcode == rec.county_adcode, rec.name_zh


def test_every_jining_point_is_inside_jining(gaz):
    for rec in gaz[gaz["kind"] != "outside"].itertuples():
        r = geocode(rec.name_zh)
        assert r.status == "ok", rec.name_zh


def test_county_precision_covers_the_whole_county(gaz):
    """A county fallback point is the seat; its precision must reach every corner of the county."""
    import shapely
    from pyproj import Transformer

    counties = load_counties().to_crs(GK_CRS).set_index("adcode")
    to_gk = Transformer.from_crs(4326, GK_CRS, always_xy=True)
    rows = gaz[gaz["kind"] == "county"]
    assert sorted(rows["county_adcode"]) == sorted(counties.index)
    for rec in rows.itertuples():
        x, y = to_gk.transform(rec.lon, rec.lat)
        xy = shapely.get_coordinates(counties.loc[rec.county_adcode].geometry)
        farthest = np.hypot(xy[:, 0] - x, xy[:, 1] - y).max()
        assert farthest <= rec.precision_m < farthest + 1000, rec.name_zh


def test_converted_rows_match_their_source(gaz):
    for rec in gaz[gaz["source_crs"].isin(["wgs84", "gcj02", "bd09"])].itertuples():
        lon, lat = to_wgs84(float(rec.source_lon), float(rec.source_lat), rec.source_crs)
        assert distance_m(lon, lat, rec.lon, rec.lat) < 0.5, rec.name_zh
    gcj = gaz[gaz["source_crs"] == "gcj02"]
    assert len(gcj) >= 1
    moved = distance_m(gcj["source_lon"].astype(float), gcj["source_lat"].astype(float), gcj["lon"], gcj["lat"])
    assert (moved > 400).all()  # the GCJ-02 shift was really removed


def test_derivations_are_computed(gaz):
    row = gaz.set_index("name_zh")
    assert (row.loc["孔子研究院", "lon"], row.loc["孔子研究院", "lat"]) == (
        row.loc["曲阜市", "lon"],
        row.loc["曲阜市", "lat"],
    )
    # A town without a seat point takes its county's seat and precision.
    assert (
        row.loc["嘉祥街道", ["lon", "lat", "precision_m"]].tolist()
        == row.loc["嘉祥县", ["lon", "lat", "precision_m"]].tolist()
    )


def _write(tmp_path, gaz, changes):
    bad = gaz.copy().astype(object)
    for (i, col), value in changes:
        bad.at[i, col] = value
    path = tmp_path / "g.csv"
    bad.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "col, value",
    [("kind", "castle"), ("precision", "exact"), ("source", ""), ("source_crs", "mars"), ("precision_m", "far")],
)
def test_bad_gazetteer_rows_are_reported(tmp_path, col, value):
    raw = pd.read_csv("geodata/gazetteer.csv", dtype=str, keep_default_na=False)
    path = _write(tmp_path, raw, [((3, col), value)])
    with pytest.raises(GazetteerError) as exc:
        read_gazetteer(path)
    assert [(p.row, p.field) for p in exc.value.problems] == [(5, col)]


def test_duplicate_alias_is_reported(tmp_path):
    raw = pd.read_csv("geodata/gazetteer.csv", dtype=str, keep_default_na=False)
    path = _write(tmp_path, raw, [((3, "aliases"), "邹城")])
    with pytest.raises(GazetteerError, match="also names row"):
        read_gazetteer(path)


def test_unknown_derivation_reference_is_reported(tmp_path):
    raw = pd.read_csv("geodata/gazetteer.csv", dtype=str, keep_default_na=False)
    i = raw.index[raw["name_zh"] == "颜店新城会展中心"][0]
    path = _write(tmp_path, raw, [((i, "derive"), "at:不存在")])
    with pytest.raises(GazetteerError, match="unknown place"):
        read_gazetteer(path)


def test_outside_rows_really_lie_outside_jining(gaz):
    from layers import county_at

    out = gaz[gaz["kind"] == "outside"]
    assert len(out) >= 20
    for rec in out.itertuples():
        assert county_at(rec.lon, rec.lat) is None, rec.name_zh


@pytest.mark.parametrize("text", ["滕州", "泰安市宁阳县", "单县", "北京市", "菏泽"])
def test_neighbours_and_other_cities_are_outside(text):
    assert geocode(text).status == "outside"
